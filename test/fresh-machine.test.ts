// The README's first command on a fresh Debian 12 with no Node.js at all: a debootstrap
// minbase root, chrooted. Set-up installs what it needs with apt, rkt-ts's own runtime,
// pnpm, the dependencies and the build, and puts rkt on PATH; then a fly pod runs there.
// (The demo's nspawn pod is left out: its network would share this machine's.)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DebianRoot } from "./helpers/debian-root.js";
import { REPO } from "./helpers/rkt.js";

const MINUTES = 60_000;

/** The first shell command of the README's quick start. */
function readmeCommand(): string {
  const m = /## Quick start[\s\S]*?```sh\n(.*)\n/.exec(readFileSync(join(REPO, "README.md"), "utf8"));
  return m![1]!.trim();
}

describe("a fresh Debian 12 machine", () => {
  let root: DebianRoot | undefined;
  beforeAll(async () => {
    root = await DebianRoot.create("fresh");
    root.copyCheckout(REPO, "/root/rkt-ts");
  }, 20 * MINUTES);
  afterAll(() => root?.cleanup());

  test("the README's first command sets it up and runs a pod", async () => {
    const r = root!;
    expect((await r.exec("command -v node npm pnpm rkt || true")).stdout).toBe("");
    expect(readmeCommand()).toBe("scripts/setup.sh && scripts/demo.sh");
    const started = Date.now();
    const setup = await r.exec(`cd /root/rkt-ts && ${readmeCommand()} fly`, 25 * MINUTES);
    console.log(`fresh machine: set-up and demo took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    expect(setup.stderr + setup.stdout).not.toMatch(/^setup: no linux-image/m);
    expect(setup.code, `${setup.stdout.slice(-3000)}\n${setup.stderr.slice(-3000)}`).toBe(0);
    expect(setup.stdout).toMatch(/^Hello from a rkt-ts pod: root@.+, app hello$/m);

    // rkt is on PATH and runs on its own runtime, not on the Node.js Debian bootstrapped with.
    const v = await r.exec("command -v rkt; readlink -f /usr/local/bin/rkt; rkt version; /root/rkt-ts/runtime/node/bin/node --version; /usr/bin/node --version");
    const [path, target, ...rest] = v.stdout.trim().split("\n");
    expect(path).toBe("/usr/local/bin/rkt");
    expect(target).toBe("/root/rkt-ts/packages/isolation/bin/rkt-isolation");
    const [own, debian] = rest.slice(-2);
    expect(own).toMatch(/^v24\./);
    expect(debian).not.toBe(own);
    expect(rest).toContain(`Node.js: ${own}`);

    // Set-up is safe to run again, and then needs no download of the runtime.
    const again = await r.exec("cd /root/rkt-ts && scripts/setup.sh", 10 * MINUTES);
    expect(again.code, `${again.stdout.slice(-3000)}\n${again.stderr.slice(-3000)}`).toBe(0);
    expect(again.stdout).toMatch(/^install-node: \/root\/rkt-ts\/runtime\/node has 24\./m);
  }, 40 * MINUTES);
});
