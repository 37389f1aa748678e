// rkt export UUID FILE.aci: an ACI of an exited pod's app, its image's manifest and its root
// as the app left it, with rkt's --app, --overwrite and messages; on overlay and copied roots
// (--no-overlay), fly and nspawn. Nothing stays mounted on the host.
import { existsSync, lstatSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { cleanupPods, sh } from "./helpers/nspawn.js";
import { Sandbox } from "./helpers/rkt.js";

const sb = new Sandbox("export");
const INSECURE = "--insecure-options=image";
let image: string;

beforeAll(async () => {
  const aci = buildAci(sb.path("exp.aci"), { name: "example.com/exp", version: "1.0", files: { "from-image": "image\n" } });
  const r = await sb.rkt([INSECURE, "fetch", "--full", aci]);
  expect(r.code).toBe(0);
  image = r.stdout.trim();
});

afterAll(async () => {
  await cleanupPods(sb);
  sb.cleanup();
});

/** Prepares and runs a pod; its UUID. */
async function exitedPod(flags: string[]): Promise<string> {
  const prep = await sb.rkt([INSECURE, "prepare", ...flags]);
  expect(prep.code, prep.stderr).toBe(0);
  const uuid = prep.stdout.trim();
  const run = await sb.rkt(["run-prepared", uuid]);
  expect(run.code, run.stderr).toBe(0);
  return uuid;
}

describe.each([
  ["fly", []],
  ["nspawn", []],
  ["nspawn", ["--no-overlay"]],
])("on %s %s", (flavor, extra) => {
  test("the exported ACI is the image with what the app wrote, and runs", async () => {
    const uuid = await exitedPod([`--stage1-name=${flavor}`, ...extra, image, ...sh("echo written > /written; rm /from-image")]);
    const out = sb.path(`${flavor}${extra.join("")}.aci`);
    const r = await sb.rkt(["export", uuid, out]);
    expect(r.code, r.stderr).toBe(0);
    const mounts = readFileSync("/proc/self/mounts", "utf8");
    expect(mounts).not.toContain(`export-${uuid}`);
    const again = await sb.rkt([INSECURE, "run", `--stage1-name=${flavor}`, out, ...sh("cat /written; test -e /from-image || echo gone")]);
    expect(again.stdout, again.stderr).toBe("written\ngone\n");
    const manifest = JSON.parse((await sb.rkt(["image", "cat-manifest", "--pretty-print=false", "example.com/exp:1.0"])).stdout);
    expect(manifest.name).toBe("example.com/exp");
  });
});

describe("rkt's rules", () => {
  test("--app picks one app of several; without it rkt lists them", async () => {
    const uuid = await exitedPod([image, "--name=one", ...sh("echo one > /who"), image, "--name=two", ...sh("echo two > /who")]);
    const none = await sb.rkt(["export", uuid, sb.path("multi.aci")]);
    expect(none.code).toBe(254);
    expect(none.stderr).toContain("pod contains multiple apps:\n\tone\n\ttwo\n");
    expect(none.stderr).toContain('unable to find app: specify app using "rkt export --app= ..."');
    expect(existsSync(sb.path("multi.aci"))).toBe(false);
    const two = await sb.rkt(["export", "--app=two", uuid, sb.path("multi.aci")]);
    expect(two.code, two.stderr).toBe(0);
    const r = await sb.rkt([INSECURE, "run", "--stage1-name=fly", sb.path("multi.aci"), ...sh("cat /who")]);
    expect(r.stdout).toBe("two\n");
    const missing = await sb.rkt(["export", "--app=three", uuid, sb.path("m3.aci")]);
    expect(missing.stderr).toContain("unable to find app: app three is not present in pod");
  });

  test("only exited pods, .aci files, and an existing file only with --overwrite", async () => {
    const prepared = (await sb.rkt([INSECURE, "prepare", "--stage1-name=fly", image])).stdout.trim();
    const notExited = await sb.rkt(["export", prepared, sb.path("p.aci")]);
    expect(notExited.code).toBe(254);
    expect(notExited.stderr).toBe("export: pod is not exited. Only exited pods can be exported\n");
    const uuid = await exitedPod(["--stage1-name=fly", image, ...sh("true")]);
    const ext = await sb.rkt(["export", uuid, sb.path("x.tar")]);
    expect(ext.stderr).toBe(`export: extension must be .aci (given ${sb.path("x.tar")})\n`);
    writeFileSync(sb.path("there.aci"), "keep me");
    const exists = await sb.rkt(["export", uuid, sb.path("there.aci")]);
    expect(exists.code).toBe(254);
    expect(exists.stderr).toBe("export: error building aci: target file exists (try --overwrite)\n");
    expect(readFileSync(sb.path("there.aci"), "utf8")).toBe("keep me");
    const over = await sb.rkt(["export", "--overwrite", uuid, sb.path("there.aci")]);
    expect(over.code, over.stderr).toBe(0);
    expect(readFileSync(sb.path("there.aci")).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    // A symlink planted where the ACI goes is replaced, never written through.
    writeFileSync(sb.path("victim"), "untouched");
    symlinkSync(sb.path("victim"), sb.path("link.aci"));
    const planted = await sb.rkt(["export", "--overwrite", uuid, sb.path("link.aci")]);
    expect(planted.code, planted.stderr).toBe(0);
    expect(readFileSync(sb.path("victim"), "utf8")).toBe("untouched");
    expect(lstatSync(sb.path("link.aci")).isFile()).toBe(true);
  });
});
