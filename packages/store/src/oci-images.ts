// OCI images in the index: an `images` row of kind 'oci' (its manifest column holds the
// synthesized appc manifest, so pods and listings read it like any other) plus one
// `image_blobs` row per blob it uses.
//
// Blob files and references change only inside write transactions, which SQLite
// serializes across processes: a reference is added only after checking, inside the
// transaction, that the file exists; a file is unlinked only inside the transaction that
// found no reference to it. So `rkt image rm` racing a fetch that reuses a blob can never
// leave an image pointing at a deleted blob.
import type { NameValue } from "@rkt/stage1-api";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { blobKey } from "./blob-writer.js";
import { writeTransaction, type DB } from "./db.js";
import { StoreError } from "./errors.js";
import type { StorePaths } from "./paths.js";

export type BlobRole = "index" | "manifest" | "config" | "layer";

export interface OciBlobRef {
  digest: string;
  role: BlobRole;
  position: number;
  mediaType: string;
  size: number;
}

export interface OciImageRecord {
  /** `sha256-<hex>` of the image manifest's digest. */
  key: string;
  /** The image manifest's digest, `sha256:<hex>`. */
  digest: string;
  name: string;
  labels: NameValue[];
  /** The synthesized appc ImageManifest (JSON). */
  manifest: Buffer;
  latest: boolean;
  blobs: OciBlobRef[];
}

/** Blobs an image needs are gone (removed by a concurrent `rkt image rm`): fetch them again. */
export class MissingBlobError extends StoreError {
  constructor(readonly digests: string[]) {
    super(`blobs missing from the store: ${digests.join(", ")}`);
    this.name = "MissingBlobError";
  }
}

export function hasBlobFile(paths: StorePaths, digest: string): boolean {
  return existsSync(paths.blob(blobKey(digest)));
}

/** Adds the image (or marks it latest); false when it was already there. */
export function insertOciImage(db: DB, paths: StorePaths, rec: OciImageRecord): boolean {
  return writeTransaction(db, (): boolean => {
    const missing = [...new Set(rec.blobs.map((b) => b.digest))].filter((d) => !hasBlobFile(paths, d));
    if (missing.length > 0) throw new MissingBlobError(missing);
    const refs = db.prepare(
      `INSERT INTO image_blobs (key, digest, role, position, media_type, size) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(key, role, position) DO NOTHING`,
    );
    for (const b of rec.blobs) refs.run(rec.key, b.digest, b.role, b.position, b.mediaType, b.size);
    if (db.prepare("SELECT 1 FROM images WHERE key = ?").get(rec.key)) {
      if (rec.latest) db.prepare("UPDATE images SET latest = 1 WHERE key = ?").run(rec.key);
      return false;
    }
    const sizes = new Map(rec.blobs.map((b) => [b.digest, b.size]));
    const size = [...sizes.values()].reduce((a, b) => a + b, 0);
    const now = Date.now();
    db.prepare(
      `INSERT INTO images (key, digest, kind, name, labels, manifest, import_time, last_used, latest, size)
       VALUES (?, ?, 'oci', ?, ?, ?, ?, ?, ?, ?)`,
    ).run(rec.key, rec.digest, rec.name, JSON.stringify(rec.labels), rec.manifest, now, now, rec.latest ? 1 : 0, size);
    return true;
  });
}

export function imageBlobs(db: DB, key: string, role?: BlobRole): OciBlobRef[] {
  const rows = (
    role
      ? db.prepare("SELECT * FROM image_blobs WHERE key = ? AND role = ? ORDER BY position").all(key, role)
      : db.prepare("SELECT * FROM image_blobs WHERE key = ? ORDER BY role, position").all(key)
  ) as { digest: string; role: BlobRole; position: number; media_type: string; size: number }[];
  return rows.map((r) => ({ digest: r.digest, role: r.role, position: r.position, mediaType: r.media_type, size: r.size }));
}

/**
 * Removes an OCI image's row, its references and every blob no other image uses, in one
 * transaction. Returns the digests of the blobs removed.
 */
export function removeOciImage(db: DB, paths: StorePaths, key: string): string[] {
  return writeTransaction(db, (): string[] => {
    const digests = (db.prepare("SELECT DISTINCT digest FROM image_blobs WHERE key = ?").all(key) as { digest: string }[]).map((r) => r.digest);
    db.prepare("DELETE FROM image_blobs WHERE key = ?").run(key);
    db.prepare("DELETE FROM images WHERE key = ?").run(key);
    db.prepare("DELETE FROM remotes WHERE key = ?").run(key);
    const used = db.prepare("SELECT 1 FROM image_blobs WHERE digest = ? LIMIT 1");
    const removed: string[] = [];
    for (const d of digests) {
      if (used.get(d)) continue;
      rmSync(paths.blob(blobKey(d)), { force: true });
      removed.push(d);
    }
    return removed;
  });
}

/**
 * Removes blob files no image references that are older than `minAgeMs` (left by an
 * interrupted fetch: blobs are stored before the image that uses them is recorded, so
 * younger ones may belong to a fetch in progress). Returns the digests removed.
 */
export function removeOrphanBlobs(db: DB, paths: StorePaths, minAgeMs: number, now = Date.now()): string[] {
  const dir = join(paths.blobs, "sha256");
  const candidates: { digest: string }[] = [];
  for (const shard of readdirSafe(dir)) {
    for (const name of readdirSafe(join(dir, shard))) {
      const m = /^sha256-([a-f0-9]{64})$/.exec(name);
      if (!m) continue;
      const file = join(dir, shard, name);
      try {
        if (statSync(file).mtimeMs + minAgeMs > now) continue;
      } catch {
        continue;
      }
      candidates.push({ digest: `sha256:${m[1]}` });
    }
  }
  return removeUnusedBlobs(db, paths, candidates.map((c) => c.digest));
}

/**
 * Removes those of `digests` that no image references (the blobs a failed fetch stored
 * for an image that was never recorded). Returns the digests removed.
 */
export function removeUnusedBlobs(db: DB, paths: StorePaths, digests: string[]): string[] {
  if (digests.length === 0) return [];
  return writeTransaction(db, (): string[] => {
    const used = db.prepare("SELECT 1 FROM image_blobs WHERE digest = ? LIMIT 1");
    const removed: string[] = [];
    for (const d of new Set(digests)) {
      if (used.get(d)) continue;
      const file = paths.blob(blobKey(d));
      if (!existsSync(file)) continue;
      rmSync(file, { force: true });
      removed.push(d);
    }
    return removed;
  });
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
