// Reading image directories as untrusted input: symlinks resolved inside the directory, only
// regular files; an OCI layout's references; a docker-save directory's made-up manifest.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DockerSaveSource } from "./docker-save.js";
import { OciLayoutSource } from "./layout.js";
import { resolveInside } from "./local-files.js";
import { parseManifest } from "./manifest.js";
import { MediaType } from "./media-types.js";
import type { BlobSink } from "./source.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "rkt-unit-oci-local-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sha = (b: Buffer | string): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;

class Collect implements BlobSink {
  data: Buffer[] = [];
  get offset(): number {
    return this.data.reduce((n, b) => n + b.length, 0);
  }
  write(c: Buffer): void {
    this.data.push(Buffer.from(c));
  }
  reset(): void {
    this.data = [];
  }
}

describe("resolveInside", () => {
  it("follows symlinks as if the directory were the root", () => {
    mkdirSync(join(dir, "a", "b"), { recursive: true });
    writeFileSync(join(dir, "a", "b", "f"), "x");
    symlinkSync("/a/b", join(dir, "abs"));
    symlinkSync("../../../../a", join(dir, "a", "up"));
    expect(resolveInside(dir, "abs/f")).toBe(join(dir, "a", "b", "f"));
    expect(resolveInside(dir, "a/up/b/f")).toBe(join(dir, "a", "b", "f"));
    expect(resolveInside(dir, "../../a/b/f")).toBe(join(dir, "a", "b", "f"));
    symlinkSync("loop", join(dir, "loop"));
    expect(() => resolveInside(dir, "loop")).toThrow("too many levels of symbolic links");
  });
});

describe("OciLayoutSource", () => {
  function layout(entries: object[]): void {
    writeFileSync(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: entries }));
  }
  const entry = (c: string, ref?: string, platform?: object) => ({
    mediaType: MediaType.ociManifest,
    digest: `sha256:${c.repeat(64)}`,
    size: 1,
    ...(ref ? { annotations: { "org.opencontainers.image.ref.name": ref } } : {}),
    ...(platform ? { platform } : {}),
  });

  it("presents the entries of one reference (one per platform) as an index", async () => {
    layout([entry("a", "v1", { os: "linux", architecture: "amd64" }), entry("b", "v1", { os: "linux", architecture: "arm64" }), entry("c", "v2")]);
    const doc = await new OciLayoutSource(dir, "v1").resolve();
    const ix = parseManifest(doc.bytes, doc.mediaType, doc.file);
    expect(ix.kind === "index" && ix.manifests.map((m) => m.digest[7])).toEqual(["a", "b"]);
    expect(doc.synthetic).toBe(true);
  });

  it("refuses a missing or unknown layout version", async () => {
    await expect(new OciLayoutSource(dir, undefined, "oci:x").resolve()).rejects.toThrow(`${dir}/oci-layout: no such file`);
    writeFileSync(join(dir, "oci-layout"), '{"imageLayoutVersion":"2.0.0"}');
    await expect(new OciLayoutSource(dir, undefined, "oci:x").resolve()).rejects.toThrow('oci:x: oci-layout: field "imageLayoutVersion": unsupported layout version "2.0.0"');
  });

  it("a blob that is not a regular file is refused", async () => {
    layout([entry("a", "v1")]);
    mkdirSync(join(dir, "blobs", "sha256", "a".repeat(64)), { recursive: true });
    await expect(
      new OciLayoutSource(dir, "v1").blob({ mediaType: "x", digest: `sha256:${"a".repeat(64)}`, size: 1 }, new Collect()),
    ).rejects.toThrow("not a regular file");
  });
});

describe("DockerSaveSource", () => {
  it("makes a schema 2 manifest: uncompressed layers named by their diff_ids; the same bytes every time", async () => {
    const layerTar = Buffer.alloc(1024, 0);
    mkdirSync(join(dir, "abc"));
    writeFileSync(join(dir, "abc", "layer.tar"), layerTar);
    mkdirSync(join(dir, "dup"));
    symlinkSync("../abc/layer.tar", join(dir, "dup", "layer.tar")); // docker save's deduplication
    const config = JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [sha(layerTar), sha(layerTar)] } });
    writeFileSync(join(dir, "cfg.json"), config);
    writeFileSync(join(dir, "manifest.json"), JSON.stringify([{ Config: "cfg.json", RepoTags: ["example.com/app:1"], Layers: ["abc/layer.tar", "dup/layer.tar"] }]));
    const src = new DockerSaveSource(dir, undefined, "docker-archive:x.tar", "/x.tar");
    const a = await src.resolve();
    const doc = parseManifest(a.bytes, a.mediaType, a.file);
    expect(doc.kind === "manifest" && doc.layers.map((l) => [l.mediaType, l.digest])).toEqual([
      [MediaType.dockerLayer, sha(layerTar)],
      [MediaType.dockerLayer, sha(layerTar)],
    ]);
    expect(doc.kind === "manifest" && doc.config.digest).toBe(sha(config));
    expect(src.repoTag()).toEqual({ registry: "example.com", repository: "app", tag: "1" });
    expect((await new DockerSaveSource(dir, "example.com/app:1", "d", "/x.tar").resolve()).digest).toBe(a.digest);
    const sink = new Collect();
    await src.blob(doc.kind === "manifest" ? doc.layers[1]! : (undefined as never), sink);
    expect(Buffer.concat(sink.data).equals(layerTar)).toBe(true);
  });

  it("several images need a selection; errors name manifest.json and the field", async () => {
    writeFileSync(join(dir, "manifest.json"), JSON.stringify([{ Config: "a", RepoTags: ["a:1"], Layers: [] }, { Config: "b", RepoTags: ["b:1"], Layers: [] }]));
    await expect(new DockerSaveSource(dir, undefined, "docker-archive:f", "f").resolve()).rejects.toThrow("docker-archive:f: manifest.json: the archive holds 2 images; name one after a colon (a:1, b:1)");
    await expect(new DockerSaveSource(dir, "@5", "docker-archive:f", "f").resolve()).rejects.toThrow("no image @5 (the archive holds 2)");
    writeFileSync(join(dir, "manifest.json"), JSON.stringify([{ Config: 1, Layers: [] }]));
    await expect(new DockerSaveSource(dir, undefined, "docker-archive:f", "f").resolve()).rejects.toThrow('docker-archive:f: manifest.json: field "[0].Config": must be a string');
  });
});
