/**
 * Byte sources for the tar reader: a file path, read either directly (plain
 * tar: positional reads, bodies can be skipped without reading them) or through
 * a decompressor (gzip or zstd, both in node:zlib). Every source counts the
 * decompressed bytes it hands out and enforces the decompression bound.
 */
import * as fsp from 'node:fs/promises';
import { pipeline, type Readable, type Transform } from 'node:stream';
import { createRequire } from 'node:module';
import type * as Zlib from 'node:zlib';

/** node:zlib, loaded when an archive is actually decompressed (not with the store). */
function nodeZlib(): typeof Zlib {
  return createRequire(import.meta.url)('node:zlib') as typeof Zlib;
}
import { ArchiveFormatError, ArchiveLimitError } from './errors.js';

export type Compression = 'none' | 'gzip' | 'zstd';

export interface ByteSource {
  /** Up to `max` (> 0) bytes at the current position, consumed; null at end of data. The
   * returned buffer stays valid after later calls (never reused). */
  pull(max: number): Promise<Buffer | null>;
  /** Skip `n` bytes; returns how many were skipped (fewer only at end of data). */
  skip(n: number): Promise<number>;
  /** Decompressed bytes consumed so far. */
  readonly consumed: number;
  readonly compression: Compression;
  close(): Promise<void>;
}

const FILE_BLOCK = 1 << 20;
const ZLIB_CHUNK = 256 << 10;

function limitError(limit: number): ArchiveLimitError {
  return new ArchiveLimitError('bytes', `archive expands beyond the limit of ${limit} bytes`);
}

/** Plain (uncompressed) tar file: buffered positional reads, seek-skips. */
class FileByteSource implements ByteSource {
  readonly compression = 'none' as const;
  private buf: Buffer = Buffer.alloc(0);
  private bufStart = 0;
  private pos = 0;
  private ahead: { start: number; data: Promise<Buffer> } | null = null;

  constructor(
    private readonly fh: fsp.FileHandle,
    private size: number,
    private readonly limit: number,
  ) {}

  get consumed(): number {
    return this.pos;
  }

  private account(n: number): void {
    if (this.pos + n > this.limit) throw limitError(this.limit);
  }

  /** Read the block at `start` (empty at end of file). */
  private async readBlock(start: number): Promise<Buffer> {
    const len = Math.min(FILE_BLOCK, this.size - start);
    if (len <= 0) return Buffer.alloc(0);
    const b = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await this.fh.read(b, got, len - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return b.subarray(0, got);
  }

  async pull(max: number): Promise<Buffer | null> {
    if (this.pos >= this.size) return null;
    let off = this.pos - this.bufStart;
    if (off < 0 || off >= this.buf.length) {
      const sequential = this.pos === this.bufStart + this.buf.length;
      const ahead = this.ahead;
      this.ahead = null;
      const b = ahead !== null && ahead.start === this.pos ? await ahead.data : await this.readBlock(this.pos);
      if (b.length === 0) {
        this.size = this.pos; // the file shrank under us: treat as end of data
        return null;
      }
      this.buf = b;
      this.bufStart = this.pos;
      off = 0;
      // read ahead while the caller processes this block (not while skipping)
      const next = this.pos + b.length;
      if (sequential && next < this.size) {
        const data = this.readBlock(next);
        data.catch(() => {}); // surfaced when awaited
        this.ahead = { start: next, data };
      }
    }
    const n = Math.min(max, this.buf.length - off);
    this.account(n);
    this.pos += n;
    return this.buf.subarray(off, off + n);
  }

  async skip(n: number): Promise<number> {
    const k = Math.max(0, Math.min(n, this.size - this.pos));
    this.account(k);
    this.pos += k;
    return k;
  }

  async close(): Promise<void> {
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead) await ahead.data.catch(() => {});
    await this.fh.close();
  }
}

/** Map a decompressor error (zlib `Z_*`, zstd `ZSTD_error_*` codes) to ArchiveFormatError. */
function mapDecompressError(err: unknown, what: string): unknown {
  const e = err as NodeJS.ErrnoException | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (!/^(Z_|ZSTD_|ERR_ZSTD)/.test(code)) return err; // e.g. an I/O error reading the file
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e!.message)) {
    return new ArchiveFormatError(`truncated ${what} stream (unexpected end of file)`, { cause: err });
  }
  return new ArchiveFormatError(`corrupt ${what} data: ${e!.message}`, { cause: err });
}

/** Decompressed stream: pulls chunks from the decompressor with backpressure. */
class StreamByteSource implements ByteSource {
  private readonly it: AsyncIterator<Buffer>;
  private cur: Buffer | null = null;
  private off = 0;
  private done = false;
  private count = 0;

  constructor(
    private readonly file: Readable,
    private readonly decompressor: Transform,
    private readonly limit: number,
    readonly compression: Compression,
  ) {
    // pipeline() propagates errors and destroys both sides; errors surface
    // through the iterator of the decompressor.
    pipeline(file, decompressor, () => {});
    this.it = decompressor[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  get consumed(): number {
    return this.count;
  }

  async pull(max: number): Promise<Buffer | null> {
    while (this.cur === null || this.off >= this.cur.length) {
      if (this.done) return null;
      let r: IteratorResult<Buffer>;
      try {
        r = await this.it.next();
      } catch (err) {
        this.done = true;
        throw mapDecompressError(err, this.compression);
      }
      if (r.done) {
        this.done = true;
        this.cur = null;
        return null;
      }
      this.cur = r.value;
      this.off = 0;
    }
    const n = Math.min(max, this.cur.length - this.off);
    if (this.count + n > this.limit) throw limitError(this.limit);
    this.count += n;
    const v = this.cur.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }

  async skip(n: number): Promise<number> {
    let k = 0;
    while (k < n) {
      const b = await this.pull(n - k);
      if (b === null) break;
      k += b.length;
    }
    return k;
  }

  async close(): Promise<void> {
    this.done = true;
    this.decompressor.destroy();
    this.file.destroy();
  }
}

/** Identify the compression of a file by its magic bytes. */
export function sniffCompression(head: Buffer): Compression | 'bzip2' | 'xz' {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x28b52ffd) return 'zstd';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  return 'none';
}

/**
 * Open a tar file (plain, gzip or zstd) as a ByteSource
 * bounded to `limit` decompressed bytes.
 */
export async function openByteSource(path: string, limit: number): Promise<ByteSource> {
  const fh = await fsp.open(path, 'r');
  let ok = false;
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ArchiveFormatError(`${path}: not a regular file`);
    if (st.size === 0) throw new ArchiveFormatError('empty archive (0 bytes)');
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const kind = sniffCompression(head.subarray(0, bytesRead));
    if (kind === 'none') {
      ok = true;
      return new FileByteSource(fh, st.size, limit);
    }
    if (kind === 'bzip2' || kind === 'xz') {
      throw new ArchiveFormatError(`${kind}-compressed archives are not supported (only plain tar, gzip, zstd)`);
    }
    const zlib = nodeZlib();
    const decompressor: Transform = kind === 'gzip' ? zlib.createGunzip({ chunkSize: ZLIB_CHUNK }) : zlib.createZstdDecompress({ chunkSize: ZLIB_CHUNK });
    // Read through the same descriptor we sniffed (the stream closes it).
    const file = fh.createReadStream({ start: 0, highWaterMark: FILE_BLOCK, autoClose: true });
    ok = true;
    return new StreamByteSource(file, decompressor, limit, kind);
  } finally {
    if (!ok) await fh.close().catch(() => {});
  }
}
