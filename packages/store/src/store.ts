// The image store: blobs addressed by image ID, an SQLite index, and the tree store of
// rendered root filesystems. Every write goes to a temporary path first and is renamed
// into place, so concurrent rkt processes and crashes never leave a half-written image.
import { runFsOps } from "@rkt/isolation";
import type { ImageManifest, NameValue } from "@rkt/stage1-api";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, type Dirent } from "node:fs";
import { dirname, join } from "node:path";
import { readAci } from "./aci-import.js";
import { BlobWriter, blobKey, type BlobWriterOptions } from "./blob-writer.js";
import { ImageCatalog } from "./catalog.js";
import { openDb, type DB } from "./db.js";
import { ImageNotFoundError, StoreError } from "./errors.js";
import { keyFromDigest, parseIdPrefix } from "./ids.js";
import { StorePaths } from "./paths.js";
import {
  hasBlobFile,
  imageBlobs,
  insertOciImage,
  removeOciImage,
  removeOrphanBlobs,
  removeUnusedBlobs,
  type BlobRole,
  type OciBlobRef,
  type OciImageRecord,
} from "./oci-images.js";
import { labelValue, manifestOf, recordFromRow, type ImageRecord, type ImageRow } from "./records.js";
import { extractTar } from "./tar/index.js";
import { recordedTreeHash, treeHash, treeSize } from "./tree-hash.js";

export interface ImportResult {
  key: string;
  manifest: ImageManifest;
  /** False when the image was already in the store. */
  added: boolean;
}

export interface TreeInfo {
  id: string;
  rootfs: string;
  /** Image keys in render order: dependencies first, the image last. */
  layers: string[];
}

export interface RemoteRecord {
  url: string;
  sigUrl?: string;
  etag?: string;
  key: string;
  cacheMaxAge: number;
  downloadTime: number;
}

export class ImageStore {
  readonly paths: StorePaths;
  private readonly catalog: ImageCatalog;
  private dbHandle: DB | undefined;

  constructor(dataDir: string) {
    this.paths = new StorePaths(dataDir);
    this.catalog = new ImageCatalog(this.paths.catalog);
  }

  get db(): DB {
    this.dbHandle ??= openDb(this.paths.db);
    return this.dbHandle;
  }

  close(): void {
    this.dbHandle?.close();
    this.dbHandle = undefined;
  }

  /** Imports an ACI file (any compression); returns its key. */
  async importAci(file: string, opts: { label?: string; latest?: boolean } = {}): Promise<ImportResult> {
    const aci = await readAci(file, { tmpDir: this.paths.tmp, label: opts.label ?? file });
    const key = keyFromDigest(aci.digest);
    const blob = this.paths.blob(key);
    try {
      const existing = this.db.prepare("SELECT key FROM images WHERE key = ?").get(key);
      if (existing && existsSync(blob)) {
        if (opts.latest) this.db.prepare("UPDATE images SET latest = 1 WHERE key = ?").run(key);
        if (!this.catalog.manifest(key)) this.catalog.writeManifest(key, aci.manifestBytes);
        return { key, manifest: aci.manifest, added: false };
      }
      mkdirSync(dirname(blob), { recursive: true, mode: 0o750 });
      renameSync(aci.tmpBlob, blob);
      const now = Date.now();
      const info = this.db
        .prepare(
          `INSERT INTO images (key, digest, kind, name, labels, manifest, import_time, last_used, latest, size)
           VALUES (?, ?, 'aci', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING`,
        )
        .run(key, `sha512-${aci.digest}`, aci.manifest.name, JSON.stringify(aci.manifest.labels ?? []), aci.manifestBytes, now, now, opts.latest ? 1 : 0, aci.size);
      this.catalog.writeManifest(key, aci.manifestBytes);
      return { key, manifest: aci.manifest, added: info.changes > 0 };
    } finally {
      rmSync(aci.tmpBlob, { force: true });
    }
  }

  /** Resolves a unique ID prefix to a key, with rkt's errors. */
  resolveId(input: string): string {
    const prefix = parseIdPrefix(input);
    const cataloged = this.catalog.keysWithPrefix(prefix);
    if (cataloged?.length === 1) return cataloged[0]!;
    const rows = this.db
      .prepare("SELECT key FROM images WHERE key >= ? AND key < ? LIMIT 2")
      .all(prefix, prefix + "\uffff") as { key: string }[];
    if (rows.length === 0) throw new ImageNotFoundError(`no image IDs found for ${JSON.stringify(input)}`);
    if (rows.length > 1) throw new StoreError(`ambiguous image ID ${JSON.stringify(input)}: use more digits`);
    return rows[0]!.key;
  }

  get(key: string): ImageRecord {
    const row = this.db.prepare("SELECT * FROM images WHERE key = ?").get(key) as ImageRow | undefined;
    if (!row) throw new ImageNotFoundError(`image ${key} is not in the store`);
    return recordFromRow(row);
  }

  has(key: string): boolean {
    return this.db.prepare("SELECT 1 FROM images WHERE key = ?").get(key) !== undefined;
  }

  /** The image manifest as imported (from the catalog when it has it, else the index). */
  manifestBytes(key: string): Buffer {
    return this.catalog.manifest(key) ?? this.get(key).manifestBytes;
  }

  manifest(key: string): ImageManifest {
    return JSON.parse(this.manifestBytes(key).toString("utf8")) as ImageManifest;
  }

  /**
   * rkt's name lookup: images with that name whose labels include every requested label;
   * without a requested version, images fetched as "latest" first; then the newest import.
   */
  findByName(name: string, labels: NameValue[] = []): ImageRecord | undefined {
    const rows = this.db
      .prepare("SELECT * FROM images WHERE name = ? ORDER BY import_time DESC")
      .all(name) as unknown as ImageRow[];
    const matching = rows
      .map(recordFromRow)
      .filter((r) => labels.every((l) => labelValue(r.labels, l.name) === l.value));
    if (!labels.some((l) => l.name === "version")) {
      const latest = matching.find((r) => r.latest);
      if (latest) return latest;
    }
    return matching[0];
  }

  list(): ImageRecord[] {
    return (this.db.prepare("SELECT * FROM images").all() as unknown as ImageRow[]).map(recordFromRow);
  }

  blobPath(key: string): string {
    return this.paths.blob(key);
  }

  /** Records the size of the tree an image renders to (image list counts it). */
  recordTreeSize(key: string, treeId: string): void {
    this.db.prepare("UPDATE images SET tree_size = (SELECT size FROM trees WHERE id = ?) WHERE key = ?").run(treeId, key);
  }

  /** Marks an image as fetched by its `latest` tag (preferred by name lookups). */
  markLatest(key: string): void {
    this.db.prepare("UPDATE images SET latest = 1 WHERE key = ?").run(key);
  }

  markUsed(key: string): void {
    this.db.prepare("UPDATE images SET last_used = ? WHERE key = ?").run(Date.now(), key);
  }

  /**
   * Removes an image's index entry and blob (trees are collected by `rkt image gc`). For an
   * OCI image, the blobs no other image uses; returns the digests of the blobs removed.
   */
  remove(key: string): string[] {
    this.catalog.remove(key);
    const row = this.db.prepare("SELECT kind FROM images WHERE key = ?").get(key) as { kind: string } | undefined;
    if (row?.kind === "oci") return removeOciImage(this.db, this.paths, key);
    this.db.prepare("DELETE FROM images WHERE key = ?").run(key);
    this.db.prepare("DELETE FROM remotes WHERE key = ?").run(key);
    rmSync(this.paths.blob(key), { force: true });
    return [];
  }

  // ---- OCI blobs and images

  /** A writer for one blob (see BlobWriter); commit() puts it in the store. */
  blobWriter(digest: string, size: number, opts: BlobWriterOptions): BlobWriter {
    return new BlobWriter(this.paths, digest, size, opts);
  }

  hasBlob(digest: string): boolean {
    return hasBlobFile(this.paths, digest);
  }

  /** The file of a blob (`sha256:<hex>`): cas/blob/sha256/<2 hex>/sha256-<hex>. */
  blobFile(digest: string): string {
    return this.paths.blob(blobKey(digest));
  }

  /** Records an OCI image whose blobs are all stored; false when it was there already. */
  addOciImage(rec: OciImageRecord): boolean {
    const added = insertOciImage(this.db, this.paths, rec);
    this.catalog.writeManifest(rec.key, Buffer.from(this.get(rec.key).manifestBytes));
    return added;
  }

  imageBlobs(key: string, role?: BlobRole): OciBlobRef[] {
    return imageBlobs(this.db, key, role);
  }

  /** Removes those of `digests` that no image uses; returns their digests. */
  removeUnusedBlobs(digests: string[]): string[] {
    return removeUnusedBlobs(this.db, this.paths, digests);
  }

  /** Removes blob files no image uses, older than `minAgeMs`; returns their digests. */
  removeOrphanBlobs(minAgeMs: number): string[] {
    return removeOrphanBlobs(this.db, this.paths, minAgeMs);
  }

  // ---- remote cache (http(s) and docker sources)

  getRemote(url: string): RemoteRecord | undefined {
    const r = this.db.prepare("SELECT * FROM remotes WHERE url = ?").get(url) as
      | { url: string; sig_url: string | null; etag: string | null; key: string; cache_max_age: number; download_time: number }
      | undefined;
    if (!r) return undefined;
    return { url: r.url, sigUrl: r.sig_url ?? undefined, etag: r.etag ?? undefined, key: r.key, cacheMaxAge: r.cache_max_age, downloadTime: r.download_time };
  }

  setRemote(rec: RemoteRecord): void {
    this.db
      .prepare(
        `INSERT INTO remotes (url, sig_url, etag, key, cache_max_age, download_time) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(url) DO UPDATE SET sig_url = excluded.sig_url, etag = excluded.etag, key = excluded.key,
           cache_max_age = excluded.cache_max_age, download_time = excluded.download_time`,
      )
      .run(rec.url, rec.sigUrl ?? null, rec.etag ?? null, rec.key, rec.cacheMaxAge, rec.downloadTime);
  }

  // ---- tree store

  /** The render order of an image: its dependencies depth-first, then the image. */
  renderOrder(key: string, seen: string[] = []): string[] {
    if (seen.includes(key)) throw new StoreError(`dependency cycle through image ${key}`);
    const manifest = this.manifest(key);
    const order: string[] = [];
    for (const dep of manifest.dependencies ?? []) {
      let depKey: string;
      if (dep.imageID) {
        depKey = this.resolveId(dep.imageID);
      } else {
        const found = this.findByName(dep.imageName, dep.labels ?? []);
        if (!found) {
          throw new ImageNotFoundError(
            `image ${manifest.name} depends on ${dep.imageName}, which is not in the store (fetch it first)`,
          );
        }
        depKey = found.key;
      }
      for (const k of this.renderOrder(depKey, [...seen, key])) if (!order.includes(k)) order.push(k);
    }
    order.push(key);
    return order;
  }

  treeId(layers: string[]): string {
    return `deps-${keyFromDigest(createHash("sha512").update(layers.join("\n")).digest("hex"))}`;
  }

  /**
   * What rendering an image takes: the tree ID and how to fill a root. An ACI's tree
   * depends on its dependency chain; an OCI image's on its layer chain alone, so images
   * that share all their layers share one tree.
   */
  private renderPlan(key: string): { id: string; layers: string[]; fill: (rootfs: string) => Promise<void> } {
    if (this.get(key).kind === "oci") return this.ociPlan(key, this.imageBlobs(key, "layer"));
    const layers = this.renderOrder(key);
    return {
      id: this.treeId(layers),
      layers,
      fill: async (rootfs) => {
        for (const layer of layers) {
          await extractTar(this.paths.blob(layer), { dest: rootfs, strip: "rootfs/", specialFiles: runFsOps });
          this.markUsed(layer);
        }
        applyPathWhitelist(rootfs, this.manifest(key).pathWhitelist);
      },
    };
  }

  /** The tree of OCI layers: its ID depends on the layer chain alone. */
  private ociPlan(key: string, layers: OciBlobRef[], ready?: (i: number) => Promise<void>): { id: string; layers: string[]; fill: (rootfs: string) => Promise<void> } {
    const chain = createHash("sha512").update(["oci-layers", ...layers.map((l) => l.digest)].join("\n")).digest("hex");
    return {
      id: `deps-${keyFromDigest(chain)}`,
      layers: [key],
      fill: async (rootfs) => {
        for (const [i, layer] of layers.entries()) {
          await ready?.(i);
          await this.applyLayer(layer, rootfs);
        }
        this.markUsed(key);
      },
    };
  }

  /**
   * Renders the tree of an OCI image from its layers before the image is recorded, so that
   * a fetch can apply each layer as soon as it is downloaded: `ready(i)` resolves when
   * layer i is in the store (and rejects when it never will be).
   */
  async renderOciLayers(key: string, layers: OciBlobRef[], ready: (i: number) => Promise<void>): Promise<TreeInfo> {
    return this.buildTree(key, this.ociPlan(key, layers, ready));
  }

  /**
   * Applies one OCI layer on top of `rootfs`: whiteouts first, then the entries, never
   * through a symlink, never outside. Decompression is bounded per layer (see
   * layerExpansionLimit).
   */
  private async applyLayer(layer: OciBlobRef, rootfs: string): Promise<void> {
    try {
      await extractTar(this.blobFile(layer.digest), {
        dest: rootfs,
        whiteouts: true,
        specialFiles: runFsOps,
        maxDecompressedBytes: layerExpansionLimit(layer.size),
      });
    } catch (err) {
      const e = err as Error;
      if (e instanceof TypeError) throw err;
      throw new StoreError(`layer ${layer.digest}: ${e.message}`, { cause: err });
    }
  }

  /** The ID of the tree an image renders to (whether or not it is rendered yet). */
  treeIdFor(key: string): string {
    return this.renderPlan(key).id;
  }

  /** The rendered tree of an image, rendering it first when needed. */
  async renderTree(key: string): Promise<TreeInfo> {
    // A tree rendered before is found from the catalog alone, without the index.
    const known = this.catalog.tree(key);
    if (known && existsSync(join(this.paths.tree(known.id), "rendered"))) {
      return { id: known.id, rootfs: this.paths.treeRootfs(known.id), layers: known.layers };
    }
    return this.buildTree(key, this.renderPlan(key));
  }

  private async buildTree(key: string, plan: { id: string; layers: string[]; fill: (rootfs: string) => Promise<void> }): Promise<TreeInfo> {
    const { id, layers, fill } = plan;
    const dir = this.paths.tree(id);
    if (existsSync(join(dir, "rendered"))) {
      this.catalog.writeTree(key, { id, layers });
      return { id, rootfs: join(dir, "rootfs"), layers };
    }

    mkdirSync(this.paths.trees, { recursive: true, mode: 0o750 });
    const tmp = join(this.paths.trees, `.tmp-${randomBytes(8).toString("hex")}`);
    try {
      const rootfs = join(tmp, "rootfs");
      mkdirSync(rootfs, { recursive: true, mode: 0o755 });
      await fill(rootfs);
      const hash = await treeHash(rootfs);
      // rkt's tree store layout: the image's manifest beside its rootfs, the key, the hash.
      // (An OCI image's tree is built while its layers arrive, before the image is recorded.)
      if (this.has(key)) writeFileSync(join(tmp, "manifest"), this.get(key).manifestBytes);
      writeFileSync(join(tmp, "image"), key);
      writeFileSync(join(tmp, "hash"), recordedTreeHash(hash));
      writeFileSync(join(tmp, "rendered"), "");
      const size = treeSize(tmp);
      this.installTree(tmp, dir);
      this.db
        .prepare(
          `INSERT INTO trees (id, key, size, hash, rendered_time) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET size = excluded.size, hash = excluded.hash, rendered_time = excluded.rendered_time`,
        )
        .run(id, key, size, hash, Date.now());
      this.db.prepare("UPDATE images SET tree_size = ? WHERE key = ?").run(size, key);
      this.catalog.writeTree(key, { id, layers });
      return { id, rootfs: join(dir, "rootfs"), layers };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** Renames a finished tree into place; a concurrent render that got there first wins. */
  private installTree(tmp: string, dir: string): void {
    if (existsSync(dir) && !existsSync(join(dir, "rendered"))) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(tmp, dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
    }
  }

  treeRecorded(id: string): { key: string; hash: string; size: number } | undefined {
    return this.db.prepare("SELECT key, hash, size FROM trees WHERE id = ?").get(id) as
      | { key: string; hash: string; size: number }
      | undefined;
  }

  listTreeIds(): string[] {
    return (this.db.prepare("SELECT id FROM trees").all() as { id: string }[]).map((r) => r.id);
  }

  /** Removes a rendered tree (rename first, so a reader never sees half a tree). */
  removeTree(id: string): void {
    const dir = this.paths.tree(id);
    const rec = this.treeRecorded(id);
    if (existsSync(dir)) {
      const doomed = join(this.paths.trees, `.rm-${randomBytes(8).toString("hex")}`);
      renameSync(dir, doomed);
      rmSync(doomed, { recursive: true, force: true });
    }
    this.db.prepare("DELETE FROM trees WHERE id = ?").run(id);
    if (rec) this.db.prepare("UPDATE images SET tree_size = 0 WHERE key = ?").run(rec.key);
  }

  /** Re-computes a tree's checksum: true when it matches the one recorded at render time. */
  async verifyTree(id: string): Promise<boolean> {
    const dir = this.paths.tree(id);
    if (!existsSync(join(dir, "rendered"))) return false;
    const recorded = readFileSync(join(dir, "hash"), "utf8").trim();
    // Trees rendered before the hash file took rkt's length hold the whole hash.
    const hash = await treeHash(join(dir, "rootfs"));
    return recorded === recordedTreeHash(hash) || recorded === hash;
  }

  blobSize(key: string): number {
    try {
      return statSync(this.paths.blob(key)).size;
    } catch {
      return 0;
    }
  }
}

/**
 * The most bytes one layer may expand to: 200 times its compressed size, at least 4 GiB,
 * at most 64 GiB. Real layers compress a few times (files of zeros more, hence the floor);
 * a decompression bomb stops here instead of filling the disk.
 */
export function layerExpansionLimit(compressedSize: number): number {
  return Math.min(64 * 2 ** 30, Math.max(4 * 2 ** 30, compressedSize * 200));
}

/** Keeps only the listed paths (and the directories leading to them), as appc's renderer. */
function applyPathWhitelist(rootfs: string, whitelist: string[] | undefined): void {
  if (!whitelist || whitelist.length === 0) return;
  const keep = new Set<string>();
  for (const p of whitelist) {
    const parts = p.split("/").filter(Boolean);
    for (let i = 1; i <= parts.length; i++) keep.add(parts.slice(0, i).join("/"));
  }
  const prune = (rel: string): void => {
    const dir = rel === "" ? rootfs : join(rootfs, rel);
    for (const ent of readdirSafe(dir)) {
      const childRel = rel === "" ? ent.name : `${rel}/${ent.name}`;
      if (!keep.has(childRel)) rmSync(join(rootfs, childRel), { recursive: true, force: true });
      else if (ent.isDirectory()) prune(childRel);
    }
  };
  prune("");
}

function readdirSafe(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
