// The image catalog on disk: each image's manifest and the tree it renders to, as plain files
// beside the SQLite index (cas/catalog/<key>/{manifest,tree}). `rkt run <image ID>` of an
// image already rendered then needs no database at all, which saves loading the native
// SQLite addon on the hot path. The index stays the authority: the catalog is written after
// the index when an image arrives and removed before it when an image goes, so a file that
// exists always belongs to an indexed image; when the catalog has no answer, callers ask the
// index.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { safeJoin } from "@rkt/stage1-api";
import { join } from "node:path";

export interface CatalogTree {
  id: string;
  layers: string[];
}

export class ImageCatalog {
  constructor(private readonly dir: string) {}

  /** Keys starting with `prefix`, or undefined when there is no catalog yet. */
  keysWithPrefix(prefix: string): string[] | undefined {
    try {
      return readdirSync(this.dir).filter((k) => k.startsWith(prefix));
    } catch {
      return undefined;
    }
  }

  manifest(key: string): Buffer | undefined {
    try {
      return readFileSync(join(this.entry(key), "manifest"));
    } catch {
      return undefined;
    }
  }

  tree(key: string): CatalogTree | undefined {
    try {
      return JSON.parse(readFileSync(join(this.entry(key), "tree"), "utf8")) as CatalogTree;
    } catch {
      return undefined;
    }
  }

  writeManifest(key: string, bytes: Buffer): void {
    this.write(key, "manifest", bytes);
  }

  writeTree(key: string, tree: CatalogTree): void {
    this.write(key, "tree", JSON.stringify(tree));
  }

  remove(key: string): void {
    rmSync(this.entry(key), { recursive: true, force: true });
  }

  /** cas/catalog/<key>: a key is one plain name, whoever passes it. */
  private entry(key: string): string {
    return safeJoin(this.dir, [key], "image key");
  }

  private write(key: string, name: string, data: string | Buffer): void {
    const dir = this.entry(key);
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    const tmp = join(dir, `.${name}.${process.pid}`);
    writeFileSync(tmp, data, { mode: 0o640 });
    renameSync(tmp, join(dir, name));
  }
}
