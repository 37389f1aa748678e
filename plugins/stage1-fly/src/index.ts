// The fly stage1's registration: what it is and what it can do.
import type { Logger } from "@rkt/stage1-api";
import { Capability, defineStage1 } from "@rkt/stage1-api";
import { FlyStage1 } from "./fly.js";

export default defineStage1({
  name: "fly",
  capabilities: [Capability.Enter, Capability.Stop, Capability.ExitStatus, Capability.EmptyVolumes, Capability.Interactive, Capability.MetadataService],
  create: ({ logger }: { logger: Logger }) => new FlyStage1(logger),
});
