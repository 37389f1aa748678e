// rkt run/prepare --pod-manifest: a pod manifest the user wrote replaces the images and the
// flags that shape a pod, with rkt's semantics: images by ID from the store, the image's app
// section when the manifest gives none, rkt's conflicting-flag error, and every name checked
// before anything is written.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { Sandbox } from "./helpers/rkt.js";

const sb = new Sandbox("pod-manifest");
let imageId: string;

function pods(): string[] {
  const dir = `${sb.dataDir}/pods`;
  return existsSync(dir) ? readdirSync(dir).flatMap((s) => readdirSync(`${dir}/${s}`)) : [];
}

function manifestFile(name: string, manifest: object): string {
  const file = sb.path(`${name}.json`);
  writeFileSync(file, JSON.stringify({ acKind: "PodManifest", acVersion: "0.8.11", ...manifest }));
  return file;
}

function app(name: string, extra: object = {}): object {
  return { name, image: { name: "example.com/pm", id: imageId }, ...extra };
}

beforeAll(async () => {
  const aci = buildAci(sb.path("pm.aci"), {
    name: "example.com/pm",
    version: "1.0",
    app: {
      exec: ["/bin/sh", "-c", "echo from-image; cat /data/file"],
      user: "0",
      group: "0",
      mountPoints: [{ name: "data", path: "/data", readOnly: true }],
    },
  });
  const r = await sb.rkt(["--insecure-options=image", "fetch", "--full", aci]);
  expect(r.code).toBe(0);
  imageId = r.stdout.trim();
  mkdirSync(sb.path("vol"));
  writeFileSync(sb.path("vol", "file"), "on-host\n");
});

afterAll(async () => {
  await sb.rkt(["gc", "--grace-period=0s", "--expire-prepared=0s"]);
  sb.cleanup();
});

describe("rkt run --pod-manifest", () => {
  test("runs the manifest's apps, with its own app section and volumes", async () => {
    const file = manifestFile("own", {
      apps: [app("writer", { app: { exec: ["/bin/sh", "-c", "echo written > /out/file; echo $PM_VAR; exit 4"], user: "0", group: "0", environment: [{ name: "PM_VAR", value: "from-manifest" }], mountPoints: [{ name: "out", path: "/out" }] } })],
      volumes: [{ name: "out", kind: "host", source: sb.path("vol") }],
    });
    const r = await sb.rkt(["run", "--stage1-name=fly", `--pod-manifest=${file}`]);
    expect(r.stdout).toBe("from-manifest\n");
    expect(r.code).toBe(4);
    expect(readFileSync(sb.path("vol", "file"), "utf8")).toBe("written\n");
    writeFileSync(sb.path("vol", "file"), "on-host\n");
  });

  test("an app without an app section runs its image's, whose mount points take the manifest's volumes", async () => {
    const file = manifestFile("image-app", { apps: [app("reader")], volumes: [{ name: "data", kind: "host", source: sb.path("vol") }] });
    const r = await sb.rkt(["run", "--stage1-name=fly", `--pod-manifest=${file}`]);
    expect(r.stdout).toBe("from-image\non-host\n");
    expect(r.code).toBe(0);
  });

  test("prepare --pod-manifest, then run-prepared", async () => {
    const file = manifestFile("prepared", { apps: [app("reader")], volumes: [{ name: "data", kind: "host", source: sb.path("vol") }] });
    const prep = await sb.rkt(["prepare", "--stage1-name=fly", `--pod-manifest=${file}`]);
    expect(prep.code).toBe(0);
    const uuid = prep.stdout.trim();
    const manifest = JSON.parse((await sb.rkt(["cat-manifest", uuid])).stdout);
    expect(manifest.apps.map((a: { name: string }) => a.name)).toEqual(["reader"]);
    const r = await sb.rkt(["run-prepared", uuid]);
    expect(r.stdout).toBe("from-image\non-host\n");
  });

  test("rkt's error for flags a pod manifest replaces, before anything is read or made", async () => {
    const before = pods().length;
    for (const flags of [["--inherit-env"], ["--no-store"], ["--set-env=a=b"], ["--volume=v,kind=empty"], ["--port=http:80"], [imageId]]) {
      const r = await sb.rkt(["run", "--stage1-name=fly", "--pod-manifest=/nonexistent", ...flags]);
      expect(r.code).toBe(254);
      expect(r.stderr).toMatch(/conflicting flags set with --pod-manifest \(see --help\)/);
    }
    const after = await sb.rkt(["prepare", imageId, "--pod-manifest=/nonexistent", "--exec=/bin/true"]);
    expect(after.stderr).toMatch(/conflicting flags set with --pod-manifest/);
    expect(pods().length).toBe(before);
  });

  test("bad manifests are refused with one message and no pod left behind", async () => {
    const before = pods().length;
    const cases: [object, RegExp][] = [
      [{ apps: [] }, /pod must contain at least one application/],
      [{ apps: [app("../escape")] }, /apps\[0\]\.name: .*ACName/],
      [{ apps: [app("ok", { app: { exec: ["/bin/true"], user: "0", group: "0", mountPoints: [{ name: "Bad/Name", path: "/x" }] } })] }, /mountPoints\[0\]\.name: .*ACName/],
      [{ apps: [app("ok")], volumes: [{ name: "../v", kind: "empty" }] }, /volumes\[0\]\.name: .*ACName/],
      [{ apps: [{ name: "ok", image: { id: `sha512-${"0".repeat(64)}` } }] }, /app ok: image sha512-0+ is not in the store/],
    ];
    for (const [m, message] of cases) {
      const file = manifestFile("bad", m);
      const r = await sb.rkt(["run", "--stage1-name=fly", `--pod-manifest=${file}`]);
      expect(r.code).toBe(254);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const missing = await sb.rkt(["prepare", "--stage1-name=fly", `--pod-manifest=${sb.path("none.json")}`]);
    expect(missing.stderr).toMatch(/error reading pod manifest .*none\.json: no such file or directory/);
    expect(pods().length).toBe(before);
  });
});
