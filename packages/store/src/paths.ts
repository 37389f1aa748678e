// The store's layout under <data dir>/cas (rkt's, with an SQLite index instead of ql). Keys
// and tree IDs are made by the store, but some are read back from files (a pod's
// appsinfo/<app>/treeStoreID): each becomes a path only as one plain component.
import { safeJoin } from "@rkt/stage1-api";
import { join } from "node:path";

export class StorePaths {
  readonly cas: string;
  readonly db: string;
  readonly blobs: string;
  readonly trees: string;
  readonly tmp: string;
  readonly catalog: string;
  /** Lock files of blob downloads (one per digest, so concurrent fetches share work). */
  readonly blobLocks: string;

  constructor(readonly dataDir: string) {
    this.cas = join(dataDir, "cas");
    this.db = join(this.cas, "db");
    this.blobs = join(this.cas, "blob");
    this.trees = join(this.cas, "tree");
    this.tmp = join(this.cas, "tmp");
    this.catalog = join(this.cas, "catalog");
    this.blobLocks = join(this.cas, "blobLocks");
  }

  /** cas/blob/<algo>/<2 hex>/<key> */
  blob(key: string): string {
    const [algo, hex = ""] = key.split("-") as [string, string?];
    return safeJoin(this.blobs, [algo, hex.slice(0, 2), key], "image key");
  }

  tree(treeId: string): string {
    return safeJoin(this.trees, [treeId], "tree ID");
  }

  treeRootfs(treeId: string): string {
    return join(this.tree(treeId), "rootfs");
  }
}
