// OCI images in the store: verified content-addressed blobs, shared between images and
// removed only when no image uses them, and trees rendered from layers (shared by images
// with the same layer chain).
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { rawTar, type RawEntry } from "../../../test/fixtures/rawtar.js";
import { schemaVersion } from "./db.js";
import { MissingBlobError, type OciBlobRef } from "./oci-images.js";
import { ImageStore, layerExpansionLimit } from "./store.js";

let dir: string;
let store: ImageStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "rkt-unit-oci-store-"));
  store = new ImageStore(join(dir, "data"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const digestOf = (b: Buffer): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;

function put(data: Buffer): string {
  const d = digestOf(data);
  const w = store.blobWriter(d, data.length, { resume: false, label: "test blob" });
  w.write(data);
  w.commit();
  return d;
}

function layer(entries: RawEntry[]): Buffer {
  return gzipSync(rawTar(entries));
}

/** Stores an image of these layers; returns its key. */
function image(name: string, layers: Buffer[]): string {
  const manifest = Buffer.from(JSON.stringify({ name, layers: layers.map(digestOf) }));
  const config = Buffer.from(`{"config of":"${name}"}`);
  const blobs: OciBlobRef[] = [
    { digest: put(manifest), role: "manifest", position: 0, mediaType: "m", size: manifest.length },
    { digest: put(config), role: "config", position: 0, mediaType: "c", size: config.length },
    ...layers.map((l, i): OciBlobRef => ({ digest: put(l), role: "layer", position: i, mediaType: "l", size: l.length })),
  ];
  const key = `sha256-${digestOf(manifest).slice(7)}`;
  const appc = { acKind: "ImageManifest", acVersion: "0.8.11", name, labels: [{ name: "version", value: "1" }] };
  store.addOciImage({ key, digest: digestOf(manifest), name, labels: appc.labels, manifest: Buffer.from(JSON.stringify(appc)), latest: false, blobs });
  return key;
}

function blobFiles(): string[] {
  const root = join(store.paths.blobs, "sha256");
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((s) => readdirSync(join(root, s)));
}

describe("BlobWriter", () => {
  test("commit moves a verified blob to cas/blob/sha256/<2 hex>/sha256-<hex>", () => {
    const data = Buffer.from("hello");
    const d = put(data);
    expect(readFileSync(join(store.paths.blobs, "sha256", d.slice(7, 9), `sha256-${d.slice(7)}`), "utf8")).toBe("hello");
    expect(store.hasBlob(d)).toBe(true);
    expect(readdirSync(store.paths.tmp)).toEqual([]);
  });

  test("a wrong digest or size is refused and leaves nothing", () => {
    const w = store.blobWriter(digestOf(Buffer.from("expected")), 8, { resume: true, label: "layer x" });
    w.write(Buffer.from("tampered"));
    expect(() => w.commit()).toThrow("layer x: digest mismatch: the content hashes to sha256:");
    const short = store.blobWriter(digestOf(Buffer.from("expected")), 8, { resume: false, label: "layer y" });
    short.write(Buffer.from("exp"));
    expect(() => short.commit()).toThrow("layer y: truncated: got 3 of 8 bytes");
    const big = store.blobWriter(digestOf(Buffer.from("ab")), 2, { resume: false, label: "layer z" });
    expect(() => big.write(Buffer.from("abc"))).toThrow("layer z: more than the 2 bytes its descriptor says");
    big.abort(true);
    expect(blobFiles()).toEqual([]);
    expect(readdirSync(store.paths.tmp)).toEqual([]);
  });

  test("a resumable partial download continues where it stopped", () => {
    const data = Buffer.from("0123456789".repeat(1000));
    const d = digestOf(data);
    const first = store.blobWriter(d, data.length, { resume: true, label: "l" });
    first.write(data.subarray(0, 4000));
    first.abort(false); // interrupted: kept
    const second = store.blobWriter(d, data.length, { resume: true, label: "l" });
    expect(second.offset).toBe(4000);
    second.write(data.subarray(4000));
    second.commit();
    expect(readFileSync(store.blobFile(d)).equals(data)).toBe(true);
    // reset(): the source could not resume
    const third = store.blobWriter(digestOf(Buffer.from("xy")), 2, { resume: true, label: "l" });
    third.write(Buffer.from("q"));
    third.reset();
    third.write(Buffer.from("xy"));
    third.commit();
  });
});

describe("OCI images", () => {
  test("recorded with kind oci and the appc manifest; listed and found by name", () => {
    const key = image("example.com/a", [layer([{ path: "a", content: "a" }])]);
    const rec = store.get(key);
    expect(rec.kind).toBe("oci");
    expect(store.manifest(key).name).toBe("example.com/a");
    expect(store.findByName("example.com/a")?.key).toBe(key);
    expect(store.resolveId(key.slice(0, 20))).toBe(key);
    expect(store.imageBlobs(key, "layer")).toHaveLength(1);
  });

  test("shared blobs stay until the last image using them is removed", () => {
    const base = layer([{ path: "base", content: "b" }]);
    const a = image("example.com/a", [base, layer([{ path: "a", content: "a" }])]);
    const b = image("example.com/b", [base, layer([{ path: "b", content: "b" }])]);
    expect(blobFiles()).toHaveLength(2 * 2 + 3);
    expect(store.remove(a).sort()).toHaveLength(3); // manifest, config, top layer
    expect(store.hasBlob(digestOf(base))).toBe(true);
    store.remove(b);
    expect(blobFiles()).toEqual([]);
  });

  test("recording an image whose blob is gone fails (a concurrent rm took it)", () => {
    const l = layer([{ path: "x", content: "x" }]);
    const d = put(l);
    rmSync(store.blobFile(d));
    expect(() =>
      store.addOciImage({ key: "sha256-" + "1".repeat(64), digest: "sha256:" + "1".repeat(64), name: "x", labels: [], manifest: Buffer.from("{}"), latest: false, blobs: [{ digest: d, role: "layer", position: 0, mediaType: "l", size: l.length }] }),
    ).toThrow(MissingBlobError);
    expect(store.list()).toEqual([]);
  });

  test("orphan blobs go after the grace period; unused ones on request", () => {
    const old = put(Buffer.from("old orphan"));
    const young = put(Buffer.from("young orphan"));
    const key = image("example.com/a", [layer([{ path: "a", content: "a" }])]);
    const past = new Date(Date.now() - 2 * 3600_000);
    utimesSync(store.blobFile(old), past, past);
    for (const b of store.imageBlobs(key)) utimesSync(store.blobFile(b.digest), past, past);
    expect(store.removeOrphanBlobs(3600_000)).toEqual([old]);
    expect(store.hasBlob(young)).toBe(true);
    expect(store.removeUnusedBlobs([young, ...store.imageBlobs(key).map((b) => b.digest)])).toEqual([young]);
    expect(store.imageBlobs(key).every((b) => store.hasBlob(b.digest))).toBe(true);
  });
});

describe("rendering OCI images", () => {
  test("layers in order with whiteouts; images with the same layers share one tree", async () => {
    const l1 = layer([
      { path: "etc/", type: "dir" },
      { path: "etc/motd", content: "hi" },
      { path: "opq/", type: "dir" },
      { path: "opq/old", content: "old" },
    ]);
    const l2 = layer([
      { path: "etc/.wh.motd", content: "" },
      { path: "opq/.wh..wh..opq", content: "" },
      { path: "opq/new", content: "new" },
      { path: "bin/", type: "dir", mode: 0o711 },
    ]);
    const a = image("example.com/a", [l1, l2]);
    const tree = await store.renderTree(a);
    expect(tree.layers).toEqual([a]);
    expect(existsSync(join(tree.rootfs, "etc", "motd"))).toBe(false);
    expect(readdirSync(join(tree.rootfs, "opq"))).toEqual(["new"]);
    expect(store.treeIdFor(a)).toBe(tree.id);
    expect(await store.verifyTree(tree.id)).toBe(true);

    const b = image("example.com/b-same-layers", [l1, l2]);
    expect(store.treeIdFor(b)).toBe(tree.id);
    expect((await store.renderTree(b)).rootfs).toBe(tree.rootfs);
    const c = image("example.com/c", [l1]);
    expect(store.treeIdFor(c)).not.toBe(tree.id);
  });

  test("a hostile layer fails the render naming the layer; no tree is left", async () => {
    const evil = layer([{ path: "../../x", content: "x" }]);
    const key = image("example.com/evil", [evil]);
    await expect(store.renderTree(key)).rejects.toThrow(`layer ${digestOf(evil)}: ../../x: path contains a ".." component`);
    expect(readdirSync(store.paths.trees)).toEqual([]);
  });

  test("decompression is bounded per layer", () => {
    expect(layerExpansionLimit(1000)).toBe(4 * 2 ** 30);
    expect(layerExpansionLimit(100 * 2 ** 20)).toBe(200 * 100 * 2 ** 20);
    expect(layerExpansionLimit(10 * 2 ** 30)).toBe(64 * 2 ** 30);
  });
});

test("an index of schema version 1 (before OCI images) migrates in place", () => {
  const key = image("example.com/a", [layer([{ path: "a", content: "a" }])]);
  store.db.exec("DROP TABLE image_blobs");
  store.db.exec("PRAGMA user_version = 1");
  store.close();
  const again = new ImageStore(join(dir, "data"));
  expect(schemaVersion(again.db)).toBe(2);
  expect(again.get(key).name).toBe("example.com/a");
  expect(again.imageBlobs(key)).toEqual([]);
  again.close();
});
