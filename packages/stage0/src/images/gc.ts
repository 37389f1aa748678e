// rkt image gc: remove rendered trees no live pod uses, then images unused for longer than
// the grace period, and leftovers of interrupted writes. It holds the prepare lock
// exclusively, so no pod is being prepared (and picking a tree) meanwhile.
import { podLayout } from "@rkt/stage1-api";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RktContext } from "../context.js";
import { probeLock } from "../locks.js";
import { prepareLock } from "../pods/prepare.js";

const LEFTOVER_AGE_MS = 60 * 60 * 1000;

/** Trees referenced by pods that are not garbage. */
function treesInUse(ctx: RktContext): Set<string> {
  const used = new Set<string>();
  for (const pod of ctx.pods.list()) {
    if (pod.dirState === "garbage" || pod.dirState === "exited-garbage") continue;
    let apps: string[] = [];
    try {
      apps = readdirSync(pod.file(podLayout.appsInfo));
    } catch {
      // a pod still being created has none yet; it holds the prepare lock anyway
    }
    for (const app of apps) {
      try {
        used.add(readFileSync(join(pod.dir, podLayout.appsInfo, app, "treeStoreID"), "utf8").trim());
      } catch {
        // ignore an app without a tree
      }
    }
  }
  return used;
}

export interface ImageGcReport {
  removedTree(id: string): void;
  removedImage(key: string, name: string): void;
  /** OCI blobs removed because no image uses them. */
  removedBlobs?(digests: string[]): void;
  error(message: string): void;
}

export function collectImageGarbage(ctx: RktContext, gracePeriodMs: number, report: ImageGcReport): void {
  const lock = prepareLock(ctx, true);
  try {
    const store = ctx.store;
    const used = treesInUse(ctx);
    const known = new Set(store.listTreeIds());
    let onDisk: string[] = [];
    try {
      onDisk = readdirSync(store.paths.trees);
    } catch {
      // no trees yet
    }
    for (const id of new Set([...known, ...onDisk.filter((n) => n.startsWith("deps-"))])) {
      if (used.has(id)) continue;
      try {
        store.removeTree(id);
        report.removedTree(id);
      } catch (err) {
        report.error(`unable to remove treestore ${JSON.stringify(id)}: ${(err as Error).message}`);
      }
    }
    const now = Date.now();
    for (const img of store.list()) {
      if (img.lastUsed + gracePeriodMs > now) continue;
      store.remove(img.key);
      report.removedImage(img.key, img.name);
    }
    // OCI blobs no image uses any more (left by an interrupted fetch), then the lock files
    // of blob downloads nobody holds.
    const blobs = store.removeOrphanBlobs(LEFTOVER_AGE_MS);
    if (blobs.length > 0) report.removedBlobs?.(blobs);
    removeLeftovers(store.paths.blobLocks, (n) => probeLock(join(store.paths.blobLocks, n)) === "unlocked", now);
    removeLeftovers(store.paths.trees, (n) => n.startsWith(".tmp-") || n.startsWith(".rm-"), now);
    // A download in progress (or waited for) holds its file's lock: only idle leftovers go.
    removeLeftovers(store.paths.tmp, (n) => probeLock(join(store.paths.tmp, n)) !== "locked", now);
  } finally {
    lock.release();
  }
}

/** Temporary files of writes that were interrupted (a crash, a kill) more than an hour ago. */
function removeLeftovers(dir: string, match: (name: string) => boolean, now: number): void {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!match(name)) continue;
    const path = join(dir, name);
    try {
      if (statSync(path).mtimeMs + LEFTOVER_AGE_MS < now) rmSync(path, { recursive: true, force: true });
    } catch {
      // gone already
    }
  }
}
