// Writing one content-addressed blob (an OCI layer, config or manifest) into the store:
// the bytes go to a partial file in cas/tmp and are hashed as they are written; the file
// is renamed to cas/blob/sha256/<2 hex>/sha256-<hex> only when size and digest match, so
// the blob directory never holds a wrong or half-written blob.
//
// The partial file is named after the digest, so an interrupted download can be resumed
// (by a retry, or by a later rkt process): opening it again re-hashes what is there. Two
// writers of one digest at the same time would corrupt it: the caller serializes them
// (stage0 holds a per-blob lock).
import { createHash, randomBytes, type Hash } from "node:crypto";
import { closeSync, constants, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { StoreError } from "./errors.js";
import type { StorePaths } from "./paths.js";

const SHA256 = /^sha256:([a-f0-9]{64})$/;

/** The store key of a blob digest: `sha256:<hex>` → `sha256-<hex>`. */
export function blobKey(digest: string): string {
  const m = SHA256.exec(digest);
  if (!m) throw new StoreError(`${JSON.stringify(digest)} is not a sha256 digest`);
  return `sha256-${m[1]}`;
}

export interface BlobWriterOptions {
  /** Keep and continue a partial file left by an earlier attempt (the caller serializes
   * writers of the digest); otherwise write a private temporary file. */
  resume: boolean;
  /** Names the blob's origin in errors (`layer sha256:... of registry/x`). */
  label: string;
}

export class BlobWriter {
  readonly partial: string;
  readonly final: string;
  private fd: number;
  private hash: Hash;
  private written = 0;
  private closed = false;

  constructor(
    paths: StorePaths,
    readonly digest: string,
    readonly size: number,
    private readonly opts: BlobWriterOptions,
  ) {
    const key = blobKey(digest);
    this.final = paths.blob(key);
    mkdirSync(paths.tmp, { recursive: true, mode: 0o750 });
    // A resumable partial file has a fixed name (the caller holds the blob's lock); a
    // one-shot write gets its own, so concurrent writers of one small blob never collide.
    this.partial = join(paths.tmp, opts.resume ? `partial-${key}` : `partial-${key}-${randomBytes(6).toString("hex")}`);
    const { O_RDWR, O_CREAT, O_TRUNC, O_NOFOLLOW } = constants;
    this.fd = openSync(this.partial, O_RDWR | O_CREAT | O_NOFOLLOW | (opts.resume ? 0 : O_TRUNC), 0o640);
    this.hash = createHash("sha256");
    if (opts.resume) this.rehash();
  }

  /** Bytes held so far (a resumed download continues from here). */
  get offset(): number {
    return this.written;
  }

  private rehash(): void {
    const size = fstatSync(this.fd).size;
    if (size > this.size) {
      this.reset();
      return;
    }
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    while (pos < size) {
      const n = readSync(this.fd, buf, 0, Math.min(buf.length, size - pos), pos);
      if (n === 0) break;
      this.hash.update(buf.subarray(0, n));
      pos += n;
    }
    this.written = pos;
  }

  write(chunk: Buffer): void {
    if (this.written + chunk.length > this.size) {
      throw new StoreError(`${this.opts.label}: more than the ${this.size} bytes its descriptor says`);
    }
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off, this.written + off);
    this.hash.update(chunk);
    this.written += chunk.length;
  }

  reset(): void {
    ftruncateSync(this.fd, 0);
    this.hash = createHash("sha256");
    this.written = 0;
  }

  /**
   * Checks size and digest and moves the blob into place. On a mismatch the partial file
   * is removed (it cannot become right by resuming) and a StoreError says what was wrong.
   */
  commit(): string {
    this.close();
    if (this.written !== this.size) {
      rmSync(this.partial, { force: true });
      throw new StoreError(`${this.opts.label}: truncated: got ${this.written} of ${this.size} bytes`);
    }
    const got = `sha256:${this.hash.digest("hex")}`;
    if (got !== this.digest) {
      rmSync(this.partial, { force: true });
      throw new StoreError(`${this.opts.label}: digest mismatch: the content hashes to ${got}`);
    }
    mkdirSync(dirname(this.final), { recursive: true, mode: 0o750 });
    renameSync(this.partial, this.final);
    return this.final;
  }

  /** Stops writing; the partial file stays for a later resume unless `discard`. */
  abort(discard: boolean): void {
    this.close();
    if (discard) rmSync(this.partial, { force: true });
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
