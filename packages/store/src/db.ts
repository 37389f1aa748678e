// The store index: one SQLite database in WAL mode that many rkt processes open at once.
// Writers serialize on SQLite's own lock (busy timeout), readers never block.
import type Database from "better-sqlite3";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

type DB = Database.Database;

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

/**
 * better-sqlite3, from where this code runs: the store's own dependency, or, in the bundled
 * CLI (where every module's import.meta.url is the bundle's), the CLI's copy of it.
 */
function loadSQLite(): typeof Database {
  const here = createRequire(import.meta.url);
  try {
    return here("better-sqlite3") as typeof Database;
  } catch {
    return createRequire(here.resolve("@rkt/store/package.json"))("better-sqlite3") as typeof Database;
  }
}

export function openDb(dir: string): DB {
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  // Loaded on first use: commands that never touch the store skip the native addon.
  const SQLite = loadSQLite();
  const db = new SQLite(join(dir, "index.sqlite"), { timeout: 30_000 });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  migrate(db);
  return db;
}

function migrate(db: DB): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current === SCHEMA_VERSION) return;
  // BEGIN IMMEDIATE takes the write lock, so two first runs do not both migrate.
  db.transaction(() => {
    let version = db.pragma("user_version", { simple: true }) as number;
    while (version < SCHEMA_VERSION) {
      version++;
      db.exec(MIGRATIONS[version]!);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

export type { DB };
