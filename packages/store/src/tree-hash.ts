// A checksum of a rendered tree: every entry's path, type, mode, owner, size and content
// (or link target), in a stable order. `rkt image verify` compares it with the one recorded
// when the tree was rendered.
import { createHash, type Hash } from "node:crypto";
import { closeSync, constants, lstatSync, openSync, readdirSync, readlinkSync, readSync } from "node:fs";
import { join } from "node:path";

export async function treeHash(root: string): Promise<string> {
  const hash = createHash("sha512");
  walk(root, "", hash, Buffer.allocUnsafe(CHUNK));
  return `sha512-${hash.digest("hex")}`;
}

const CHUNK = 1 << 20;

// Synchronous reads with one reused buffer: a tree has thousands of small files, and a
// stream per file costs more than reading it.
function walk(root: string, rel: string, hash: Hash, buf: Buffer): void {
  const names = readdirSync(join(root, rel)).sort();
  for (const name of names) {
    const relPath = rel === "" ? name : `${rel}/${name}`;
    const full = join(root, relPath);
    const st = lstatSync(full);
    hash.update(`${relPath}\0${st.mode}\0${st.uid}\0${st.gid}\0`);
    if (st.isSymbolicLink()) {
      hash.update(`l\0${readlinkSync(full)}\0`);
    } else if (st.isFile()) {
      hash.update(`f\0${st.size}\0`);
      const fd = openSync(full, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        let n: number;
        while ((n = readSync(fd, buf, 0, CHUNK, null)) > 0) hash.update(buf.subarray(0, n));
      } finally {
        closeSync(fd);
      }
    } else if (st.isDirectory()) {
      hash.update("d\0");
      walk(root, relPath, hash, buf);
    } else {
      hash.update(`s\0${st.rdev}\0`);
    }
  }
}

/**
 * Size of a tree in bytes as rkt's DirSize counts a tree store's directory (rkt image list
 * adds it to the image's size once rendered): every entry's size, the directory itself
 * included, a file with several hard links once.
 */
export function treeSize(root: string): number {
  let total = lstatSync(root).size;
  const seen = new Set<number>();
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const ent of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, ent.name);
      const st = lstatSync(full);
      if (st.nlink > 1 && !st.isDirectory()) {
        if (seen.has(st.ino)) continue;
        seen.add(st.ino);
      }
      total += st.size;
      if (ent.isDirectory()) stack.push(full);
    }
  }
  return total;
}

/** The tree hash as a tree's "hash" file records it: rkt's key length, sha512- and 64 hex digits. */
export function recordedTreeHash(hash: string): string {
  return hash.slice(0, "sha512-".length + 64);
}
