// The whole registration of a stage1: its name (the same as "rkt.stage1.name" in
// package.json), what it can do, and a factory. rkt imports this module only after it has
// checked the protocol range in package.json.
import { Capability, defineStage1 } from "@rkt/stage1-api";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HelloStage1 } from "./hello.js";

export default defineStage1({
  name: "hello",
  // No multi-app, no volumes, no private network: rkt refuses pods that need them before
  // creating anything, with an error that names the missing capability.
  capabilities: [Capability.Enter, Capability.Stop, Capability.ExitStatus, Capability.Interactive],
  create: ({ logger, host }) => {
    // Where rkt loaded us from: our own package.json says which version is running.
    const { version } = JSON.parse(readFileSync(join(host.stage1Location, "package.json"), "utf8")) as { version: string };
    return new HelloStage1(logger, version);
  },
});
