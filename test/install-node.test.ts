// scripts/install-node.sh: rkt-ts's own runtime, pinned and verified, idempotent and offline
// once installed. A fake npm first in PATH stands for the registry.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { REPO, Sandbox, run } from "./helpers/rkt.js";

const SCRIPT = join(REPO, "scripts/install-node.sh");
const RUNTIME = join(REPO, "runtime/node");
const pin = (name: string) => new RegExp(`^${name}=(\\S+)$`, "m").exec(readFileSync(SCRIPT, "utf8"))![1]!;
const NODE_PACKAGE = pin("NODE_PACKAGE");
const NODE_INTEGRITY = pin("NODE_INTEGRITY");

describe("scripts/install-node.sh", () => {
  const sb = new Sandbox("install-node");
  afterAll(() => sb.cleanup());

  /** A PATH whose npm is this script (it logs its arguments to npm.log). */
  function fakeNpm(name: string, body: string): Record<string, string> {
    const bin = sb.path(name, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "npm"), `#!/bin/bash\necho "$*" >> ${sb.path(name, "npm.log")}\n${body}\n`);
    chmodSync(join(bin, "npm"), 0o755);
    return { PATH: `${bin}:${process.env["PATH"]}` };
  }

  test("an installed runtime is left alone, without asking the registry", async () => {
    const before = statSync(join(RUNTIME, "bin/node")).mtimeMs;
    const r = await run(SCRIPT, [], { env: fakeNpm("offline", "exit 99") });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`install-node: ${RUNTIME} has ${NODE_PACKAGE.split("@")[1]} and pnpm ${pin("PNPM_PACKAGE").split("@")[1]}\n`);
    expect(existsSync(sb.path("offline", "npm.log"))).toBe(false);
    expect(statSync(join(RUNTIME, "bin/node")).mtimeMs).toBe(before);
    expect((await run(SCRIPT, ["--installed"])).code).toBe(0);
  });

  test("a registry that states another integrity is refused", async () => {
    const dest = sb.path("other", "node");
    expect((await run(SCRIPT, ["--installed", dest])).code).toBe(1);
    const env = fakeNpm("other", `case "$1" in view) echo sha512-AAAA ;; config) echo http://registry.invalid/ ;; *) exit 98 ;; esac`);
    const r = await run(SCRIPT, [dest], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`install-node: the registry states integrity sha512-AAAA for ${NODE_PACKAGE}, but rkt-ts pins ${NODE_INTEGRITY}\n`);
    expect(readFileSync(sb.path("other", "npm.log"), "utf8")).not.toMatch(/^pack/m);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(sb.path("other")).filter((f) => f.includes(".tmp."))).toEqual([]);
  });

  test("a download that does not have the pinned integrity is refused", async () => {
    const dest = sb.path("tampered", "node");
    const file = `${NODE_PACKAGE.replace("@", "-")}.tgz`;
    const env = fakeNpm("tampered", `case "$1" in view) echo ${NODE_INTEGRITY} ;; pack) echo not a tarball > ${file}; echo ${file} ;; *) exit 98 ;; esac`);
    const r = await run(SCRIPT, [dest], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`install-node: the downloaded ${NODE_PACKAGE} (${file}) does not have the pinned integrity ${NODE_INTEGRITY}\n`);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(sb.path("tampered")).filter((f) => f.includes(".tmp."))).toEqual([]);
  });
});
