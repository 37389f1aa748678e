// The store index: one SQLite database in WAL mode that many rkt processes open at once.
// Writers serialize on SQLite's own lock (busy timeout), readers never block. SQLite is
// Node's own (node:sqlite): no native addon to build.
import type { DatabaseSync } from "node:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { StoreError } from "./errors.js";

type DB = DatabaseSync;

/** How long a writer waits for another rkt process's write transaction. */
const BUSY_TIMEOUT_MS = 30_000;

const SCHEMA_VERSION = 2;

const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE images (
      key TEXT PRIMARY KEY,          -- sha512-<64 hex> (ACI) or sha256-<64 hex> (OCI manifest)
      digest TEXT NOT NULL,          -- full digest of the blob
      kind TEXT NOT NULL,            -- 'aci' or 'oci'
      name TEXT NOT NULL,
      labels TEXT NOT NULL,          -- JSON [{name,value}]
      manifest BLOB NOT NULL,        -- the image manifest exactly as imported
      import_time INTEGER NOT NULL,  -- ms since epoch
      last_used INTEGER NOT NULL,
      latest INTEGER NOT NULL DEFAULT 0,
      size INTEGER NOT NULL,         -- bytes of the stored blob(s)
      tree_size INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX images_name ON images(name);
    CREATE TABLE remotes (
      url TEXT PRIMARY KEY,
      sig_url TEXT,
      etag TEXT,
      key TEXT NOT NULL,
      cache_max_age INTEGER NOT NULL DEFAULT 0,
      download_time INTEGER NOT NULL
    );
    CREATE TABLE trees (
      id TEXT PRIMARY KEY,           -- deps-sha512-<hex>
      key TEXT NOT NULL,             -- the image the tree renders
      size INTEGER NOT NULL,
      hash TEXT NOT NULL,
      rendered_time INTEGER NOT NULL
    );
  `,
  // 2: OCI images. Their blobs (manifests, configs, layers) are content-addressed files
  // shared between images; this table says which image uses which, in which role and
  // order, so that removing an image removes only the blobs no other image uses.
  2: `
    CREATE TABLE image_blobs (
      key TEXT NOT NULL,             -- images.key
      digest TEXT NOT NULL,          -- sha256:<hex>
      role TEXT NOT NULL,            -- 'index', 'manifest', 'config' or 'layer'
      position INTEGER NOT NULL,     -- layers: 0 is applied first; index: 0 is outermost
      media_type TEXT NOT NULL,
      size INTEGER NOT NULL,
      PRIMARY KEY (key, role, position)
    );
    CREATE INDEX image_blobs_digest ON image_blobs(digest);
  `,
};

export function openDb(dir: string): DB {
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  // Loaded on first use: commands that never touch the store skip SQLite.
  const { DatabaseSync } = process.getBuiltinModule("node:sqlite");
  const db = new DatabaseSync(join(dir, "index.sqlite"), { timeout: BUSY_TIMEOUT_MS });
  useWal(db, join(dir, "index.sqlite"));
  db.exec("PRAGMA synchronous = NORMAL");
  migrate(db);
  return db;
}

/**
 * Puts the database in WAL mode (it stays so on disk). Switching needs an exclusive lock that
 * SQLite does not wait for: two processes that create the store at once retry for a while.
 */
function useWal(db: DB, file: string): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      const { journal_mode } = db.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
      if (journal_mode !== "wal") throw new StoreError(`${file}: SQLite cannot use WAL mode here (journal mode ${journal_mode})`);
      return;
    } catch (err) {
      if (!isBusy(err) || Date.now() > deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 + Math.random() * 20);
    }
  }
}

function isBusy(err: unknown): boolean {
  return (err as { errcode?: number }).errcode === 5; // SQLITE_BUSY
}

/**
 * Runs `fn` in a write transaction and commits it, or rolls it back when `fn` throws.
 * BEGIN IMMEDIATE takes the write lock first, so a writer waits (busy timeout) instead of
 * failing when it would have to upgrade a read lock.
 */
export function writeTransaction<T>(db: DB, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (err) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw err;
  }
}

/** The schema version (SQLite's user_version). */
export function schemaVersion(db: DB): number {
  return (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
}

function migrate(db: DB): void {
  if (schemaVersion(db) === SCHEMA_VERSION) return;
  // Under the write lock, so two first runs do not both migrate.
  writeTransaction(db, () => {
    let version = schemaVersion(db);
    while (version < SCHEMA_VERSION) {
      version++;
      db.exec(MIGRATIONS[version]!);
    }
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  });
}

export type { DB };
