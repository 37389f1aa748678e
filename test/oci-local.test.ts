// Local OCI/Docker sources, as skopeo names them: oci:DIR[:REF] (an image layout),
// oci-archive:FILE[:REF] and docker-archive:FILE[:NAME:TAG] (archives made by skopeo, the
// `docker save` format). Archives and layouts are untrusted input too.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Layout, layerFromDir, layerFromEntries, OCI_MANIFEST, type Descriptor } from "./fixtures/oci.js";
import { rawTar } from "./fixtures/rawtar.js";
import { makeBusyboxRootfs } from "./fixtures/rootfs.js";
import { Sandbox } from "./helpers/rkt.js";

const FETCH = ["--insecure-options=image", "fetch"];

function skopeo(args: string[]): void {
  execFileSync("skopeo", ["copy", "--quiet", ...args], { stdio: ["ignore", "ignore", "pipe"] });
}

/** Files under the store's blob and tree directories and its tmp: all empty after a failure. */
function storeLeftovers(sb: Sandbox): string[] {
  const out: string[] = [];
  for (const sub of ["cas/blob", "cas/tree", "cas/tmp"]) {
    const dir = join(sb.dataDir, sub);
    if (!existsSync(dir)) continue;
    out.push(...execFileSync("find", [dir, "-mindepth", "1", "-not", "-type", "d"], { encoding: "utf8" }).split("\n").filter(Boolean));
  }
  return out;
}

describe("oci:, oci-archive: and docker-archive: sources", () => {
  let sb!: Sandbox;
  beforeAll(() => {
    sb = new Sandbox("oci-local");
  });
  let layout: Layout;
  let v1: Descriptor;
  let v2: Descriptor;

  beforeAll(() => {
    layout = new Layout(sb.path("images", "app"));
    const root = sb.path("root");
    makeBusyboxRootfs(root);
    const base = layerFromDir(root);
    v1 = layout.image({
      layers: [base, layerFromEntries([{ path: "version", content: "one" }])],
      config: { Entrypoint: ["/bin/cat"], Cmd: ["/version"] },
    });
    v2 = layout.image({
      layers: [base, layerFromEntries([{ path: "version", content: "two" }])],
      config: { Entrypoint: ["/bin/cat"], Cmd: ["/version"] },
    });
    layout.tag("1.0", v1);
    layout.tag("2.0", v2);
    skopeo([`oci:${layout.dir}:1.0`, `oci-archive:${sb.path("app.oci.tar")}:1.0`]);
    skopeo([`oci:${layout.dir}:2.0`, `docker-archive:${sb.path("app.docker.tar")}:example.com/app:2.0`]);
  });
  afterAll(() => sb?.cleanup());

  test("oci:DIR:REF fetches that image; its ID is the manifest digest; it runs", async () => {
    const r = await sb.rkt([...FETCH, `oci:${layout.dir}:1.0`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`sha256-${v1.digest.slice(7, 39)}\n`);
    const list = await sb.rkt(["image", "list", "--no-legend", "--fields=name"]);
    expect(list.stdout).toBe("app:1.0\n");
    const run = await sb.rkt(["--insecure-options=image", "run", "--stage1-name=fly", `oci:${layout.dir}:1.0`]);
    expect(run.stdout).toBe("one");
    expect(run.code).toBe(0);
  });

  test("oci:DIR without a reference when it holds several images; an unknown reference", async () => {
    const many = await sb.rkt([...FETCH, `oci:${layout.dir}`]);
    expect(many.code).toBe(254);
    expect(many.stderr).toMatch(/index\.json: the layout holds several images \("1\.0", "2\.0"\); name one after a colon/);
    const none = await sb.rkt([...FETCH, `oci:${layout.dir}:3.0`]);
    expect(none.code).toBe(254);
    expect(none.stderr).toMatch(/no image named "3\.0" \(it has "1\.0", "2\.0"\)/);
  });

  test("oci-archive: the same image, the same ID", async () => {
    const r = await sb.rkt([...FETCH, `oci-archive:${sb.path("app.oci.tar")}:1.0`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`sha256-${v1.digest.slice(7, 39)}\n`);
    expect(readdirSync(join(sb.dataDir, "cas", "tmp"))).toEqual([]);
  });

  test("docker-archive: name and tag from RepoTags; the same ID every time; gzip-compressed too", async () => {
    const a = await sb.rkt([...FETCH, `docker-archive:${sb.path("app.docker.tar")}`]);
    expect(a.stderr).toBe("");
    expect(a.code).toBe(0);
    const b = await sb.rkt([...FETCH, `docker-archive:${sb.path("app.docker.tar")}:example.com/app:2.0`]);
    expect(b.stdout).toBe(a.stdout);
    writeFileSync(sb.path("app.docker.tar.gz"), gzipSync(readFileSync(sb.path("app.docker.tar"))));
    const c = await sb.rkt([...FETCH, `docker-archive:${sb.path("app.docker.tar.gz")}`]);
    expect(c.stdout).toBe(a.stdout);
    const id = a.stdout.trim();
    const m = JSON.parse((await sb.rkt(["image", "cat-manifest", id])).stdout);
    expect(m.name).toBe("example.com/app");
    expect(m.labels).toContainEqual({ name: "version", value: "2.0" });
    const run = await sb.rkt(["--insecure-options=image", "run", "--stage1-name=fly", id]);
    expect(run.stdout).toBe("two");
    const wrong = await sb.rkt([...FETCH, `docker-archive:${sb.path("app.docker.tar")}:example.com/other:1`]);
    expect(wrong.code).toBe(254);
    expect(wrong.stderr).toMatch(/no image tagged "example\.com\/other:1" \(it has example\.com\/app:2\.0\)/);
  });

  test("zstd-compressed layers, as skopeo writes them, are applied: whiteouts too; the image runs", async () => {
    const src = new Layout(sb.path("zstd-src"));
    const root = sb.path("zstd-root");
    makeBusyboxRootfs(root);
    const m = src.image({
      layers: [
        layerFromDir(root),
        layerFromEntries([
          { path: "version", content: "zstd" },
          { path: "gone", content: "x" },
        ]),
        layerFromEntries([{ path: ".wh.gone", content: "" }]),
      ],
      config: { Entrypoint: ["/bin/sh", "-c"], Cmd: ["cat /version; test -e /gone || echo ' and gone'"] },
    });
    src.tag("z", m);
    skopeo(["--dest-compress", "--dest-compress-format=zstd", `oci:${src.dir}:z`, `oci:${sb.path("zstd")}:z`]);
    const index = JSON.parse(readFileSync(sb.path("zstd", "index.json"), "utf8")) as { manifests: Descriptor[] };
    const manifest = JSON.parse(readFileSync(sb.path("zstd", "blobs", "sha256", index.manifests[0]!.digest.slice(7)), "utf8")) as { layers: Descriptor[] };
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(Array(3).fill("application/vnd.oci.image.layer.v1.tar+zstd"));
    for (const l of manifest.layers) expect(readFileSync(sb.path("zstd", "blobs", "sha256", l.digest.slice(7))).readUInt32LE(0)).toBe(0xfd2fb528);
    const r = await sb.rkt([...FETCH, `oci:${sb.path("zstd")}:z`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const run = await sb.rkt(["--insecure-options=image", "run", "--stage1-name=fly", r.stdout.trim()]);
    expect(run.stdout).toBe("zstd and gone\n");
    expect(run.code).toBe(0);
  });

  test("without --insecure-options=image: no signatures for these images", async () => {
    const r = await sb.rkt(["fetch", `oci:${layout.dir}:1.0`]);
    expect(r.code).toBe(254);
    expect(r.stderr).toBe("fetch: signature verification for OCI images is not supported (try --insecure-options=image)\n");
  });
});

describe("bad local images: one message, exit 254, nothing stored", () => {
  let sb!: Sandbox;
  beforeAll(() => {
    sb = new Sandbox("oci-local-bad");
  });
  afterAll(() => sb?.cleanup());

  async function expectRejected(arg: string, message: RegExp): Promise<void> {
    const r = await sb.rkt([...FETCH, arg]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(storeLeftovers(sb)).toEqual([]);
    expect((await sb.rkt(["image", "list", "--no-legend"])).stdout).toBe("");
  }

  test("a manifest without config names the file and field", async () => {
    const l = new Layout(sb.path("no-config"));
    const m = l.image({ layers: [layerFromEntries([{ path: "x", content: "x" }])], rawManifest: JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [] }) });
    l.tag("t", m);
    await expectRejected(`oci:${l.dir}:t`, /manifest|blobs\/sha256\/[0-9a-f]+: field "config": is missing/);
  });

  test("a layer digest that is not sha256 hex", async () => {
    const l = new Layout(sb.path("bad-digest-field"));
    const cfg = l.blob("{}", "application/vnd.oci.image.config.v1+json");
    const m = l.blob(JSON.stringify({ schemaVersion: 2, config: cfg, layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: "md5:abc", size: 1 }] }), OCI_MANIFEST);
    l.tag("t", m);
    await expectRejected(`oci:${l.dir}:t`, /field "layers\[0\]\.digest": unsupported digest algorithm "md5"/);
  });

  test("a config that is not JSON", async () => {
    const l = new Layout(sb.path("bad-config"));
    l.tag("t", l.image({ layers: [layerFromEntries([{ path: "x", content: "x" }])], rawConfig: "{not json" }));
    await expectRejected(`oci:${l.dir}:t`, /not valid JSON/);
  });

  test("a layer whose content does not match its digest", async () => {
    const l = new Layout(sb.path("tampered"));
    const layer = layerFromEntries([{ path: "x", content: "original" }]);
    const m = l.image({ layers: [layer] });
    l.tag("t", m);
    const manifest = JSON.parse(readFileSync(l.blobPath(m.digest), "utf8"));
    const file = l.blobPath(manifest.layers[0].digest);
    const bytes = readFileSync(file);
    bytes[bytes.length - 5] ^= 0xff;
    writeFileSync(file, bytes);
    await expectRejected(`oci:${l.dir}:t`, /digest mismatch: the content hashes to sha256:/);
  });

  test("a blob that is a symlink out of the layout is resolved inside it", async () => {
    const l = new Layout(sb.path("escape"));
    const m = l.image({ layers: [layerFromEntries([{ path: "x", content: "x" }])] });
    l.tag("t", m);
    const manifest = JSON.parse(readFileSync(l.blobPath(m.digest), "utf8"));
    unlinkSync(l.blobPath(manifest.config.digest));
    symlinkSync("../../../../../../../../etc/hostname", l.blobPath(manifest.config.digest));
    await expectRejected(`oci:${l.dir}:t`, /no such file/);
  });

  test("an archive with a path outside it", async () => {
    const file = sb.path("evil.tar");
    writeFileSync(file, rawTar([{ path: "oci-layout", content: '{"imageLayoutVersion":"1.0.0"}' }, { path: "../escaped", content: "x" }]));
    await expectRejected(`oci-archive:${file}`, /not a usable image archive: \.\.\/escaped: path contains a "\.\." component/);
    expect(existsSync(join(sb.dataDir, "cas", "escaped"))).toBe(false);
  });

  test("an archive with a device node", async () => {
    const file = sb.path("dev.tar");
    writeFileSync(file, rawTar([{ path: "manifest.json", content: "[]" }, { path: "null", type: "char" }]));
    await expectRejected(`docker-archive:${file}`, /cannot create char device/);
  });

  test("a missing path", async () => {
    const r = await sb.rkt([...FETCH, `oci:${sb.path("nowhere")}:x`]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/no such file or directory/);
  });

  test("a layout dir that is a file, an archive that is a directory", async () => {
    mkdirSync(sb.path("adir"), { recursive: true });
    writeFileSync(sb.path("afile"), "");
    expect((await sb.rkt([...FETCH, `oci:${sb.path("afile")}`])).stderr).toMatch(/is not a directory/);
    expect((await sb.rkt([...FETCH, `oci-archive:${sb.path("adir")}`])).stderr).toMatch(/is not a regular file/);
    rmSync(sb.path("adir"), { recursive: true });
  });
});
