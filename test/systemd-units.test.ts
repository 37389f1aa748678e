// The systemd units rkt shipped (dist/init/systemd): systemd accepts them, and what they
// start is what rkt-ts has. systemd is not PID 1 here; socket activation itself is tested
// in the service tests (systemd-socket-activate passes the sockets as systemd does).
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { REPO } from "./helpers/rkt.js";

const DIR = join(REPO, "dist/init/systemd");
const units = readdirSync(DIR).filter((f) => /\.(service|socket|timer)$/.test(f));

describe("dist/init/systemd", () => {
  test("rkt's units are all there", () => {
    expect(units.sort()).toEqual(["rkt-api-tcp.socket", "rkt-api.service", "rkt-gc.service", "rkt-gc.timer", "rkt-metadata.service", "rkt-metadata.socket"]);
  });

  test.skipIf(spawnSync("systemd-analyze", ["--version"]).status !== 0)("systemd-analyze verify finds nothing wrong but the missing /usr/bin/rkt", () => {
    const r = spawnSync("systemd-analyze", ["verify", ...units.map((u) => join(DIR, u))], { encoding: "utf8" });
    const problems = r.stderr.split("\n").filter((l) => l.trim() !== "" && !/Command \/usr\/bin\/rkt is not executable/.test(l));
    expect(problems).toEqual([]);
  });

  test("each ExecStart is an rkt command that exists; the sockets are the services' defaults", () => {
    const execs = units.flatMap((u) => [...readFileSync(join(DIR, u), "utf8").matchAll(/^ExecStart=\/usr\/bin\/rkt (\S+)/gm)].map((m) => m[1]!));
    expect(execs.sort()).toEqual(["api-service", "gc", "metadata-service"]);
    for (const cmd of execs) expect(execFileSync(join(REPO, "bin/rkt"), [cmd, "--help"], { encoding: "utf8" })).toMatch(new RegExp(`rkt ${cmd}`));
    expect(readFileSync(join(DIR, "rkt-api-tcp.socket"), "utf8")).toMatch(/^ListenStream=127\.0\.0\.1:15441$/m);
    expect(readFileSync(join(DIR, "rkt-metadata.socket"), "utf8")).toMatch(/^ListenStream=\/run\/rkt\/metadata-svc\.sock$\n^SocketMode=0600$/m);
  });
});
