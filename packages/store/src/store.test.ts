// The image store against real files: import, IDs, name lookup, trees, removal.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { buildAci } from "../../../test/fixtures/aci.js";
import { ImageStore } from "./store.js";

let dir: string;
let store: ImageStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "rkt-unit-store-"));
  store = new ImageStore(join(dir, "data"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function aci(name: string, spec: Parameters<typeof buildAci>[1] extends infer S ? Partial<S> : never = {}): string {
  return buildAci(join(dir, `${name.replace(/\W/g, "_")}-${Math.random().toString(36).slice(2)}.aci`), { name, ...spec });
}

describe("importing ACIs", () => {
  test("the key is the sha512 of the uncompressed tar; the blob is that tar", async () => {
    const file = aci("example.com/a");
    const res = await store.importAci(file);
    const digest = createHash("sha512").update(gunzipSync(readFileSync(file))).digest("hex");
    expect(res.key).toBe(`sha512-${digest.slice(0, 64)}`);
    expect(res.added).toBe(true);
    expect(createHash("sha512").update(readFileSync(store.blobPath(res.key))).digest("hex")).toBe(digest);
    expect(store.get(res.key).name).toBe("example.com/a");
    expect((await store.importAci(file)).added).toBe(false);
    expect(store.list()).toHaveLength(1);
    expect(readdirSync(store.paths.tmp)).toEqual([]);
  });

  test("an ACI compressed with gzip, zstd, xz or bzip2 is the same image", async () => {
    const plain = aci("example.com/z", { compress: "none" });
    const keys = [(await store.importAci(plain)).key];
    for (const [tool, ext] of [["gzip", "gz"], ["zstd", "zst"], ["xz", "xz"], ["bzip2", "bz2"]] as const) {
      execFileSync(tool, ["-k", "-q", plain]);
      const res = await store.importAci(`${plain}.${ext}`);
      expect(res.added).toBe(false);
      keys.push(res.key);
    }
    expect(new Set(keys).size).toBe(1);
    expect(store.manifest(keys[0]!).name).toBe("example.com/z");
  });

  test("concurrent imports of one image store it once", async () => {
    const file = aci("example.com/c", { files: { big: "y".repeat(1 << 20) } });
    const results = await Promise.all([store.importAci(file), store.importAci(file), store.importAci(file)]);
    expect(new Set(results.map((r) => r.key)).size).toBe(1);
    expect(results.filter((r) => r.added)).toHaveLength(1);
    expect(store.list()).toHaveLength(1);
  });

  test("a manifest error names the field and nothing is stored", async () => {
    const file = aci("example.com/bad", { rawManifest: JSON.stringify({ acKind: "ImageManifest", acVersion: "0.8.11", name: "Bad Name" }) });
    await expect(store.importAci(file)).rejects.toThrow(/name/);
    expect(store.list()).toEqual([]);
    expect(readdirSync(store.paths.tmp)).toEqual([]);
  });
});

describe("finding images", () => {
  test("ID prefixes: unique, ambiguous, too short", async () => {
    const a = (await store.importAci(aci("example.com/a"))).key;
    expect(store.resolveId(a.slice(0, 20))).toBe(a);
    expect(store.resolveId(a.toUpperCase().replace("SHA512", "sha512"))).toBe(a);
    expect(() => store.resolveId("sha512-a")).toThrow("image ID too short");
    expect(() => store.resolveId("sha512-ffffffffffff")).toThrow(/no image IDs found/);
  });

  test("name lookup: labels must match; without a version, the newest import", async () => {
    const v1 = (await store.importAci(aci("example.com/n", { version: "1" }))).key;
    await new Promise((r) => setTimeout(r, 5));
    const v2 = (await store.importAci(aci("example.com/n", { version: "2" }))).key;
    expect(store.findByName("example.com/n")?.key).toBe(v2);
    expect(store.findByName("example.com/n", [{ name: "version", value: "1" }])?.key).toBe(v1);
    expect(store.findByName("example.com/n", [{ name: "version", value: "3" }])).toBeUndefined();
    expect(store.findByName("example.com/other")).toBeUndefined();
  });
});

describe("trees", () => {
  test("render once, with dependencies first; verify; remove", async () => {
    const base = await store.importAci(aci("example.com/base", { files: { "from-base": "base", shared: "base" } }));
    const app = await store.importAci(
      aci("example.com/app", { busybox: false, files: { shared: "app" }, dependencies: [{ imageName: "example.com/base" }] }),
    );
    const tree = await store.renderTree(app.key);
    expect(tree.layers).toEqual([base.key, app.key]);
    expect(readFileSync(join(tree.rootfs, "from-base"), "utf8")).toBe("base");
    expect(readFileSync(join(tree.rootfs, "shared"), "utf8")).toBe("app");
    expect((await store.renderTree(app.key)).id).toBe(tree.id);
    expect(await store.verifyTree(tree.id)).toBe(true);
    rmSync(join(tree.rootfs, "from-base"));
    expect(await store.verifyTree(tree.id)).toBe(false);
    store.removeTree(tree.id);
    expect(existsSync(store.paths.tree(tree.id))).toBe(false);
    expect(store.get(app.key).treeSize).toBe(0);
  });

  test("a missing dependency is a clear error", async () => {
    const app = await store.importAci(aci("example.com/lonely", { dependencies: [{ imageName: "example.com/nowhere" }] }));
    await expect(store.renderTree(app.key)).rejects.toThrow(/depends on example\.com\/nowhere, which is not in the store/);
  });

  test("concurrent renders of one image leave one tree and no temporary directories", async () => {
    const img = await store.importAci(aci("example.com/r", { files: { big: "z".repeat(1 << 20) } }));
    const trees = await Promise.all([store.renderTree(img.key), store.renderTree(img.key)]);
    expect(trees[0]!.id).toBe(trees[1]!.id);
    expect(readdirSync(store.paths.trees)).toEqual([trees[0]!.id]);
  });

  test("removing an image removes its blob and index entry", async () => {
    const img = await store.importAci(aci("example.com/gone"));
    store.remove(img.key);
    expect(store.has(img.key)).toBe(false);
    expect(existsSync(store.blobPath(img.key))).toBe(false);
  });
});
