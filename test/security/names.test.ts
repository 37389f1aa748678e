// Class 3 of the security audit: names that become paths. Each test is an attack an operator
// could be led into by a hostile flag value, image, stage1 image or stage1 package: a name
// that climbs out of the pod or data directory (`../../x`) or breaks a line-based file. The
// attack must be refused with one clear message and exit 254, before anything is written.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "../fixtures/aci.js";
import { buildShellStage1 } from "../fixtures/stage1.js";
import { GpgHome } from "../helpers/gpg.js";
import { cleanupPods } from "../helpers/nspawn.js";
import { Sandbox } from "../helpers/rkt.js";

const sb = new Sandbox("sec-names");
const INSECURE = "--insecure-options=image";
let app: string;

/** A relative path that climbs from anywhere under sb.root to `target` (an absolute path). */
function climbTo(target: string): string {
  return `${"../".repeat(24)}${target.slice(1)}`;
}

/** Every pod of the sandbox, in any state directory. */
function allPods(): string[] {
  const root = join(sb.dataDir, "pods");
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((d) => readdirSync(join(root, d)));
}

/** A directory outside the data dir, root's and private, with a file in it. */
function victimDir(name: string): string {
  const dir = sb.path("host", name);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o700);
  writeFileSync(join(dir, "secret"), "secret\n", { mode: 0o600 });
  return dir;
}

function expectUntouched(dir: string): void {
  const st = statSync(dir);
  expect(st.mode & 0o7777).toBe(0o700);
  expect([st.uid, st.gid]).toEqual([0, 0]);
  expect(readdirSync(dir)).toEqual(["secret"]);
}

beforeAll(() => {
  app = buildAci(sb.path("app.aci"), {
    name: "example.com/app",
    app: { exec: ["/bin/sh", "-c", "echo owned > /v/f; echo ran"], user: "0", group: "0" },
  });
});

afterAll(async () => {
  await cleanupPods(sb);
  sb.cleanup();
});

describe("flags", () => {
  test("--volume/--mount NAME=../../dir cannot chmod, chown and bind a host directory", async () => {
    const victim = victimDir("volume");
    const name = climbTo(victim);
    const r = await sb.rkt([INSECURE, "run", `--volume=${name},kind=empty,mode=0777,uid=4242`, app, `--mount=volume=${name},target=/v`]);
    expectUntouched(victim);
    expect(r.stdout).not.toMatch(/ran/);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/--(volume|mount): volume name "(\.\.\/)+.*" is not a valid AC Name/);
    expect(allPods()).toEqual([]);
  });

  test("--name ../../dir cannot make rkt write the image manifest outside the data dir", async () => {
    const victim = victimDir("name");
    const r = await sb.rkt([INSECURE, "run", app, `--name=${climbTo(join(victim, "app"))}`]);
    expectUntouched(victim);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/--name: app name ".*" is not a valid AC Name/);
    expect(allPods()).toEqual([]);
  });

  test.each([
    ["a newline (it would forge a line of rkt status)", "web\nstate=running"],
    ["an upper-case name", "Web"],
    ["a name longer than a file name", "a".repeat(300)],
  ])("--name with %s is refused with one message, not a file system error", async (_, name) => {
    const r = await sb.rkt([INSECURE, "run", app, `--name=${name}`]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/--name: app name ".*" is not a valid AC Name/);
    expect(r.stderr).not.toMatch(/ENAMETOOLONG|EEXIST|at Object\.|\n\s+at /);
    expect(allPods()).toEqual([]);
  });

  test("rkt trust --prefix=example.com/../../dir cannot store a key outside the keystore", async () => {
    const gpg = new GpgHome();
    try {
      const key = gpg.genKey("sec <sec@example.com>");
      // The prefix must be an AC Identifier (lower case) for the attack to get this far.
      const victim = join(tmpdir(), `rkt-test-sec-trust-${process.pid}-${Date.now()}`);
      mkdirSync(victim, { mode: 0o700 });
      writeFileSync(join(victim, "secret"), "secret\n", { mode: 0o600 });
      try {
        const r = await sb.rkt(["trust", "--skip-fingerprint-review", `--prefix=example.com/${climbTo(victim)}`, key.publicKey]);
        expectUntouched(victim);
        expect(r.code).toBe(254);
        expect(r.stderr).toMatch(/invalid prefix ".*": its "\/"-separated parts become directories/);
      } finally {
        rmSync(victim, { recursive: true, force: true });
      }
    } finally {
      gpg.cleanup();
    }
  });
});

describe("a hostile stage1 image", () => {
  test("an entrypoint annotation that climbs out of the stage1 root does not run a host program", async () => {
    const marker = sb.path("host", "stage1-escaped");
    const evil = sb.path("host", "evil.sh");
    mkdirSync(sb.path("host"), { recursive: true });
    writeFileSync(evil, `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    const stage1 = buildShellStage1(sb.path("evil-stage1.aci"), { name: "localhost/evil-stage1", entrypoints: { run: `/${climbTo(evil)}` } });
    const r = await sb.rkt([INSECURE, "run", `--stage1-path=${stage1}`, app]);
    expect(existsSync(marker)).toBe(false);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/stage1 image annotation coreos\.com\/rkt\/stage1\/run: ".*" is not a path inside the stage1 root/);
    expect(allPods()).toEqual([]);
  });
});

describe("a hostile stage1 package", () => {
  const decl = { rkt: { stage1: { name: "evil", protocol: "^1.0.0", entry: "./index.js" } }, type: "module" };

  test("bundled dependencies named ../../x cannot copy files around the host at install time", async () => {
    // cp node_modules/<dep> from the package to the install: with dep = ../../../../loot the
    // source is a host directory and the destination another one, outside the data dir.
    const pkg = sb.path("deep", "a", "b", "evil-pkg");
    mkdirSync(pkg, { recursive: true });
    const dep = "../../../../loot";
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "evil", version: "1.0.0", ...decl, dependencies: { [dep]: "1.0.0" }, bundleDependencies: [dep] }));
    writeFileSync(join(pkg, "index.js"), "export default {};\n");
    const loot = join(pkg, "node_modules", dep);
    mkdirSync(loot, { recursive: true });
    writeFileSync(join(loot, "copied"), "from the package\n");
    const landing = join(sb.dataDir, "stage1", ".tmp-x", "node_modules", dep); // where rkt would write
    const r = await sb.rkt(["stage1", "install", pkg]);
    expect(existsSync(landing)).toBe(false);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/"dependencies": package name "(\.\.\/)+loot" is not a valid npm package name/);
    expect(existsSync(join(sb.dataDir, "stage1", "evil"))).toBe(false);
  });

  test("a packed package whose node_modules is a symlink cannot make rkt write through it", async () => {
    const stage = sb.path("tgz-stage");
    mkdirSync(join(stage, "package"), { recursive: true });
    writeFileSync(join(stage, "package", "package.json"), JSON.stringify({ name: "evil2", version: "1.0.0", ...decl, rkt: { stage1: { ...decl.rkt.stage1, name: "evil2" } } }));
    writeFileSync(join(stage, "package", "index.js"), "export default {};\n");
    const elsewhere = victimDir("node-modules");
    symlinkSync(elsewhere, join(stage, "package", "node_modules"));
    const tgz = sb.path("evil2-1.0.0.tgz");
    execFileSync("tar", ["-C", stage, "-czf", tgz, "package"]);
    const r = await sb.rkt(["stage1", "install", tgz]);
    expectUntouched(elsewhere);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/node_modules is not a directory \(a stage1 package may not make it a symbolic link\)/);
    expect(existsSync(join(sb.dataDir, "stage1", "evil2"))).toBe(false);
  });

  test("a version that is not spelled exactly (semver would trim it) does not become a directory", async () => {
    const pkg = sb.path("odd-version");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "evil3", version: "1.0.0\n", ...decl, rkt: { stage1: { ...decl.rkt.stage1, name: "evil3" } } }));
    writeFileSync(join(pkg, "index.js"), "export default {};\n");
    const r = await sb.rkt(["stage1", "install", pkg]);
    expect(existsSync(join(sb.dataDir, "stage1", "evil3"))).toBe(false);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/"version": stage1 version "1\.0\.0\\n" is not a valid semantic version/);
  });
});
