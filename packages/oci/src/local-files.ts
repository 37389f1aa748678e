// Reading files of an image directory (an OCI layout, an unpacked docker-save archive) as
// untrusted input: symlinks are resolved as if the directory were the root (`/x` and
// `../../x` stay inside it), only regular files are read, and sizes and digests are checked
// against the descriptors that name them.
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync } from "node:fs";
import { join } from "node:path";
import { sha256Digest } from "./digest.js";
import { DigestMismatchError, OciError } from "./errors.js";
import type { Descriptor } from "./manifest.js";
import type { BlobSink, FetchedDocument, ProgressFn } from "./source.js";

const MAX_LINK_HOPS = 40;

/** The real path of `rel` inside `root`, following symlinks without leaving `root`. */
export function resolveInside(root: string, rel: string): string {
  const pending = rel.split("/").filter((c) => c !== "" && c !== ".");
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const c = pending.shift()!;
    if (c === "..") {
      done.pop();
      continue;
    }
    const p = join(root, ...done, c);
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (!st) throw new OciError(`${join(root, rel)}: no such file`);
    if (st.isSymbolicLink()) {
      if (++hops > MAX_LINK_HOPS) throw new OciError(`${join(root, rel)}: too many levels of symbolic links`);
      const target = readlinkSync(p);
      if (target.startsWith("/")) done.length = 0;
      pending.unshift(...target.split("/").filter((x) => x !== "" && x !== "."));
      continue;
    }
    done.push(c);
  }
  return join(root, ...done);
}

/** Opens a regular file of the directory for reading (never a device, a FIFO, a symlink). */
export function openInside(root: string, rel: string): { fd: number; size: number; path: string } {
  const path = resolveInside(root, rel);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw new OciError(`${path}: cannot open: ${(err as Error).message}`);
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new OciError(`${path}: not a regular file`);
  }
  return { fd, size: st.size, path };
}

/** Reads a whole small file (a JSON document), at most `max` bytes. */
export function readInside(root: string, rel: string, max: number): { bytes: Buffer; path: string } {
  const { fd, size, path } = openInside(root, rel);
  try {
    if (size > max) throw new OciError(`${path}: larger than ${max} bytes`);
    const buf = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return { bytes: buf.subarray(0, got), path };
  } finally {
    closeSync(fd);
  }
}

/** A blob of the directory, read whole and verified (configs, manifests). */
export function readBlobDocument(root: string, rel: string, desc: Descriptor, max: number): FetchedDocument {
  if (desc.size > max) throw new OciError(`${join(root, rel)}: ${desc.size} bytes is too large for a ${desc.mediaType} document`);
  const { bytes, path } = readInside(root, rel, max);
  if (bytes.length !== desc.size) throw new DigestMismatchError(`${path}: ${bytes.length} bytes where the descriptor says ${desc.size}`);
  const digest = sha256Digest(bytes);
  if (digest !== desc.digest) throw new DigestMismatchError(`${path}: content does not match its digest ${desc.digest} (got ${digest})`);
  return { bytes, digest, mediaType: desc.mediaType, file: path };
}

const CHUNK = 1 << 20;

/** Copies a blob file into a sink (the sink verifies the digest). */
export async function copyBlobFile(root: string, rel: string, desc: Descriptor, sink: BlobSink, progress?: ProgressFn): Promise<void> {
  const { fd, size, path } = openInside(root, rel);
  try {
    if (size !== desc.size) throw new DigestMismatchError(`${path}: ${size} bytes where the manifest says ${desc.size}`);
    if (sink.offset !== 0) sink.reset();
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = 0;
    while (pos < size) {
      const n = readSync(fd, buf, 0, Math.min(CHUNK, size - pos), pos);
      if (n === 0) throw new DigestMismatchError(`${path}: truncated: got ${pos} of ${size} bytes`);
      sink.write(buf.subarray(0, n));
      pos += n;
      progress?.(pos);
      if ((pos & (16 * CHUNK - 1)) === 0) await new Promise((r) => setImmediate(r)); // let other copies progress
    }
  } finally {
    closeSync(fd);
  }
}
