/**
 * A strict, pull-based tar reader (ustar, GNU and PAX formats).
 *
 * Why not tar@7's Parser: it drops PAX `SCHILY.xattr.*` records and decodes
 * PAX bodies as UTF-8 strings (binary xattr values such as
 * security.capability are corrupted), it does not decode devmajor/devminor of
 * GNU-format headers (`ustar  \0` magic, GNU tar's default: every device would
 * become 0:0), it reports bad checksums and truncation as warnings rather
 * than failing, and it re-sniffs gzip/zstd inside an already decompressed
 * stream (nested compression escapes the byte bound). Header-only types
 * (links, devices, FIFOs, directories) carry no data whatever their size
 * field says, as in Go's archive/tar (docker, containerd and rkt's own Go
 * code), so all of them agree on where the next header is.
 */
import { ArchiveFormatError, ArchiveLimitError, printablePath } from './errors.js';
import { sniffCompression, type ByteSource } from './source.js';
import type { TarEntryType } from './types.js';

export const BLOCK = 512;
/** Largest PAX / GNU long-name body kept in memory. */
const MAX_META_SIZE = 4 << 20;

export interface TarEntry {
  /** Path as in the archive (PAX path > GNU long name > ustar prefix/name). */
  rawPath: string;
  type: TarEntryType;
  /** Data bytes following the header (0 for header-only types). */
  size: number;
  /** Permission bits incl. setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Seconds since the epoch (may be fractional). */
  mtime: number;
  atime: number | undefined;
  /** The same times encoded for fs.utimes/futimes/lutimes, which go through libuv's
   * double-to-timespec conversion (see utimesArg). */
  mtimeArg: number;
  atimeArg: number | undefined;
  linkpath: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from PAX `SCHILY.xattr.*` / `LIBARCHIVE.xattr.*`. */
  xattrs: Map<string, Buffer>;
  /** Offset of the entry's (first) header in the decompressed stream. */
  offset: number;
  /** True when the path or link target was not valid UTF-8 (decoded lossily). */
  lossyName: boolean;
}

export interface TarReaderOptions {
  maxEntries: number;
  onWarning: (message: string) => void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeName(b: Buffer, flag: { lossy: boolean }): string {
  try {
    return utf8.decode(b);
  } catch {
    flag.lossy = true;
    return b.toString('utf8');
  }
}

function cstring(buf: Buffer, off: number, len: number): Buffer {
  const end = buf.indexOf(0, off);
  return buf.subarray(off, end < 0 || end > off + len ? off + len : end);
}

function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

/** Numeric header field: octal ASCII (NUL/space padded) or GNU base-256. */
function parseNumber(buf: Buffer, off: number, len: number, field: string, at: number): number {
  const first = buf[off]!;
  if (first & 0x80) {
    // base-256: two's complement big-endian, the marker bit excluded
    let v = BigInt(first & 0x7f);
    const negative = first === 0xff;
    if (negative) v = BigInt(first);
    for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(buf[off + i]!);
    if (negative) v -= 1n << BigInt(len * 8);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ArchiveFormatError(`invalid tar header at offset ${at}: ${field} out of range`);
    }
    return Number(v);
  }
  const s = cstring(buf, off, len).toString('latin1').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) {
    throw new ArchiveFormatError(`invalid tar header at offset ${at}: bad ${field} field ${JSON.stringify(s)}`);
  }
  return parseInt(s, 8);
}

function checksumOk(h: Buffer, at: number): boolean {
  let stored: number;
  try {
    stored = parseNumber(h, 148, 8, 'checksum', at);
  } catch {
    return false;
  }
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** Parse PAX extended header records (`"%d %s=%s\n"`), binary-safe. */
export function parsePax(body: Buffer, at: number): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let i = 0;
  while (i < body.length) {
    if (body[i] === 0) break; // NUL padding some writers leave at the end
    const sp = body.indexOf(0x20, i);
    const lenStr = sp < 0 ? '' : body.toString('latin1', i, sp);
    const len = /^[0-9]{1,10}$/.test(lenStr) ? parseInt(lenStr, 10) : NaN;
    if (!(len > sp - i + 1) || i + len > body.length || body[i + len - 1] !== 0x0a) {
      throw new ArchiveFormatError(`malformed PAX extended header at offset ${at}`);
    }
    const rec = body.subarray(sp + 1, i + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw new ArchiveFormatError(`malformed PAX extended header at offset ${at}`);
    out.set(rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1)));
    i += len;
  }
  return out;
}

function paxNumber(v: Buffer, key: string, at: number): number {
  const s = v.toString('latin1');
  const n = Number(s);
  if (!/^[0-9]+$/.test(s) || !Number.isSafeInteger(n)) {
    throw new ArchiveFormatError(`invalid PAX ${key} value ${JSON.stringify(s)} at offset ${at}`);
  }
  return n;
}

/** PAX time "[-]S[.F]": seconds (float) and the argument for utimes (see TarEntry.mtimeArg). */
function paxTime(v: Buffer, key: string, at: number): { secs: number; arg: number } {
  const s = v.toString('latin1');
  const m = /^(-?)([0-9]+)(?:\.([0-9]*))?$/.exec(s);
  const whole = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(whole)) {
    throw new ArchiveFormatError(`invalid PAX ${key} value ${JSON.stringify(s)} at offset ${at}`);
  }
  const nsec = Number((m[3] ?? '').padEnd(9, '0').slice(0, 9));
  if (m[1]) {
    const secs = -(whole + nsec / 1e9);
    return { secs, arg: Math.floor(secs) };
  }
  if (nsec === 0) return { secs: whole, arg: whole };
  return { secs: whole + nsec / 1e9, arg: utimesArg(whole, nsec) };
}

/**
 * The fs.utimes argument for WHOLE.NSEC seconds. libuv sets the nanoseconds of the double it
 * gets, truncated: trunc((t - whole) * 1e9). A double near 2^31 resolves about 240 ns, so the
 * nearest one may come out just below the intended microsecond; then the middle of that
 * microsecond is passed instead. The time is thus as exact as a double allows, never a
 * microsecond off.
 */
function utimesArg(whole: number, nsec: number): number {
  const usec = Math.floor(nsec / 1000);
  const nearest = whole + nsec / 1e9;
  if (Math.floor(Math.trunc((nearest - whole) * 1e9) / 1000) === usec) return nearest;
  return whole + (usec + 0.5) / 1e6;
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'directory',
  '6': 'fifo',
  D: 'directory', // GNU dump dir: a directory whose data lists its contents
};
/** Typeflags whose entries never carry data, whatever their size field says (as Go's archive/tar). */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

const MAX_ID = 0xfffffffe;

export class TarReader {
  private readonly src: ByteSource;
  private readonly opts: TarReaderOptions;
  /** Unread data bytes of the current entry, then its block padding. */
  private bodyRemain = 0;
  private padRemain = 0;
  private current: TarEntry | null = null;
  private global = new Map<string, Buffer>();
  private entries = 0;
  private ended = false;

  constructor(src: ByteSource, opts: TarReaderOptions) {
    this.src = src;
    this.opts = opts;
  }

  get consumed(): number {
    return this.src.consumed;
  }

  get entryCount(): number {
    return this.entries;
  }

  /** Read exactly n bytes (fewer only at end of data). */
  private async readExact(n: number): Promise<Buffer> {
    const first = await this.src.pull(n);
    if (first === null) return Buffer.alloc(0);
    if (first.length === n) return first;
    const parts = [first];
    let got = first.length;
    while (got < n) {
      const b = await this.src.pull(n - got);
      if (b === null) break;
      parts.push(b);
      got += b.length;
    }
    return Buffer.concat(parts, got);
  }

  private truncated(what: string): ArchiveFormatError {
    return new ArchiveFormatError(`truncated tar archive: ${what}`);
  }

  /** Next data chunk of the current entry, null when its data is exhausted. */
  async pullBody(max = 1 << 20): Promise<Buffer | null> {
    if (this.bodyRemain === 0) return null;
    const b = await this.src.pull(Math.min(max, this.bodyRemain));
    if (b === null) {
      throw this.truncated(`${printablePath(this.current?.rawPath ?? '?')} lacks ${this.bodyRemain} bytes of data`);
    }
    this.bodyRemain -= b.length;
    return b;
  }

  /** Whole data of the current entry, bounded. */
  async readBody(maxBytes: number): Promise<Buffer> {
    if (this.bodyRemain > maxBytes) {
      throw new ArchiveLimitError(
        'entry-size',
        `${printablePath(this.current?.rawPath ?? '?')}: entry of ${this.bodyRemain} bytes exceeds the in-memory limit of ${maxBytes} bytes`,
      );
    }
    const parts: Buffer[] = [];
    let b: Buffer | null;
    while ((b = await this.pullBody()) !== null) parts.push(b);
    return Buffer.concat(parts);
  }

  private async skipRest(): Promise<void> {
    const n = this.bodyRemain + this.padRemain;
    if (n === 0) return;
    const body = this.bodyRemain;
    this.bodyRemain = 0;
    this.padRemain = 0;
    const k = await this.src.skip(n);
    if (k < body) {
      throw this.truncated(`${printablePath(this.current?.rawPath ?? '?')} lacks ${body - k} bytes of data`);
    }
    // a missing final padding is tolerated like GNU tar does
  }

  private async readMeta(size: number, at: number, kind: string): Promise<Buffer> {
    if (size > MAX_META_SIZE) {
      throw new ArchiveFormatError(`${kind} header of ${size} bytes at offset ${at} is too large`);
    }
    const body = await this.readExact(size);
    if (body.length < size) throw this.truncated(`${kind} header at offset ${at} is incomplete`);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) await this.src.skip(pad);
    return Buffer.from(body);
  }

  /** Advance to the next entry (skipping unread data); null at end of archive. */
  async next(): Promise<TarEntry | null> {
    if (this.ended) return null;
    await this.skipRest();
    this.current = null;
    let local: Map<string, Buffer> | null = null;
    let longName: Buffer | null = null;
    let longLink: Buffer | null = null;
    let metaPending = false;
    let metaBytes = 0; // meta headers for one entry are bounded together
    for (;;) {
      const at = this.src.consumed;
      const h = await this.readExact(BLOCK);
      if (h.length === 0) {
        if (metaPending) throw this.truncated(`extended header at the end of the archive has no entry`);
        if (at === 0) throw new ArchiveFormatError('not a tar archive (no data)');
        this.opts.onWarning('tar archive has no end-of-archive marker');
        this.ended = true;
        return null;
      }
      if (h.length < BLOCK) {
        if (at === 0) throw notTar(h, `only ${h.length} bytes`);
        throw this.truncated(`incomplete header at offset ${at}`);
      }
      if (isZeroBlock(h)) {
        if (metaPending) throw new ArchiveFormatError(`extended header at offset ${at} is followed by the end of archive`);
        const h2 = await this.readExact(BLOCK);
        if (h2.length === BLOCK && !isZeroBlock(h2)) {
          throw new ArchiveFormatError(`invalid tar archive: a single zero block at offset ${at} is followed by data`);
        }
        this.ended = true;
        return null;
      }
      if (!checksumOk(h, at)) {
        if (at === 0) throw notTar(h, 'bad header checksum at offset 0');
        throw new ArchiveFormatError(`invalid tar header checksum at offset ${at}`);
      }
      const typeflag = String.fromCharCode(h[156]!);
      const hsize = parseNumber(h, 124, 12, 'size', at);
      if (hsize < 0) throw new ArchiveFormatError(`invalid tar header at offset ${at}: negative size`);

      // --- meta headers: apply to the next real entry
      if (typeflag === 'x' || typeflag === 'X' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
        metaBytes += hsize;
        if (metaBytes > MAX_META_SIZE) {
          throw new ArchiveFormatError(`extended headers before offset ${at} exceed ${MAX_META_SIZE} bytes`);
        }
      }
      if (typeflag === 'x' || typeflag === 'X') {
        const recs = parsePax(await this.readMeta(hsize, at, 'PAX'), at);
        local ??= new Map();
        for (const [k, v] of recs) local.set(k, v);
        metaPending = true;
        continue;
      }
      if (typeflag === 'g') {
        const recs = parsePax(await this.readMeta(hsize, at, 'PAX global'), at);
        for (const [k, v] of recs) {
          if (v.length === 0) this.global.delete(k);
          else this.global.set(k, v);
        }
        let total = 0;
        for (const [k, v] of this.global) total += k.length + v.length;
        if (total > MAX_META_SIZE) throw new ArchiveFormatError(`global PAX headers exceed ${MAX_META_SIZE} bytes`);
        continue;
      }
      if (typeflag === 'L' || typeflag === 'K') {
        const body = await this.readMeta(hsize, at, 'GNU long name');
        const z = body.indexOf(0);
        const name = z < 0 ? body : body.subarray(0, z);
        if (typeflag === 'L') longName = name;
        else longLink = name;
        metaPending = true;
        continue;
      }

      // --- a real entry
      this.entries++;
      if (this.entries > this.opts.maxEntries) {
        throw new ArchiveLimitError('entries', `archive has more than ${this.opts.maxEntries} entries`);
      }
      const magic = h.toString('latin1', 257, 263);
      const ustar = magic === 'ustar\0';
      const gnu = magic === 'ustar ';
      const flag = { lossy: false };
      const get = (k: string): Buffer | undefined => {
        const v = local?.get(k);
        if (v !== undefined) return v.length === 0 ? undefined : v; // "key=" deletes
        return this.global.get(k);
      };

      if (local) {
        for (const k of local.keys()) {
          if (k.startsWith('GNU.sparse.')) {
            throw new ArchiveFormatError(`sparse files are not supported (entry at offset ${at})`);
          }
        }
      }
      if (typeflag === 'S') throw new ArchiveFormatError(`GNU sparse files are not supported (entry at offset ${at})`);

      let rawPath: string;
      const paxPath = local?.get('path');
      if (paxPath !== undefined && paxPath.length > 0) rawPath = decodeName(paxPath, flag);
      else if (longName !== null) rawPath = decodeName(longName, flag);
      else {
        const name = cstring(h, 0, 100);
        const prefix = ustar ? cstring(h, 345, 155) : Buffer.alloc(0);
        rawPath = prefix.length
          ? decodeName(Buffer.concat([prefix, Buffer.from('/'), name]), flag)
          : decodeName(name, flag);
      }
      let linkpath: string;
      const paxLink = local?.get('linkpath');
      if (paxLink !== undefined && paxLink.length > 0) linkpath = decodeName(paxLink, flag);
      else if (longLink !== null) linkpath = decodeName(longLink, flag);
      else linkpath = decodeName(cstring(h, 157, 100), flag);

      let type: TarEntryType | undefined = TYPES[typeflag];
      let headerOnly = HEADER_ONLY.has(typeflag);
      if (type === 'file' && (typeflag === '\0' || typeflag === '0') && rawPath.endsWith('/')) {
        type = 'directory'; // pre-POSIX directory
        headerOnly = true;
      }

      let size = hsize;
      const ps = get('size');
      if (ps !== undefined) size = paxNumber(ps, 'size', at);
      const dataSize = headerOnly ? 0 : size;

      if (type === undefined) {
        // vendor / unknown type: skip its data
        this.opts.onWarning(
          `${printablePath(rawPath)}: unsupported tar entry type ${JSON.stringify(typeflag)} skipped`,
        );
        this.bodyRemain = size;
        this.padRemain = (BLOCK - (size % BLOCK)) % BLOCK;
        this.current = { rawPath } as TarEntry;
        await this.skipRest();
        local = null;
        longName = null;
        longLink = null;
        metaPending = false;
        metaBytes = 0;
        continue;
      }

      const mode = parseNumber(h, 100, 8, 'mode', at) & 0o7777;
      let uid = parseNumber(h, 108, 8, 'uid', at);
      let gid = parseNumber(h, 116, 8, 'gid', at);
      let mtime = parseNumber(h, 136, 12, 'mtime', at);
      let mtimeArg = mtime;
      let atime: number | undefined;
      let atimeArg: number | undefined;
      const pu = get('uid');
      if (pu !== undefined) uid = paxNumber(pu, 'uid', at);
      const pg = get('gid');
      if (pg !== undefined) gid = paxNumber(pg, 'gid', at);
      const pm = get('mtime');
      if (pm !== undefined) ({ secs: mtime, arg: mtimeArg } = paxTime(pm, 'mtime', at));
      const pa = get('atime');
      if (pa !== undefined) ({ secs: atime, arg: atimeArg } = paxTime(pa, 'atime', at));
      if (uid < 0 || uid > MAX_ID || gid < 0 || gid > MAX_ID) {
        throw new ArchiveFormatError(`invalid uid/gid ${uid}/${gid} in tar header at offset ${at}`);
      }
      let devmajor = 0;
      let devminor = 0;
      if (ustar || gnu) {
        devmajor = parseNumber(h, 329, 8, 'devmajor', at);
        devminor = parseNumber(h, 337, 8, 'devminor', at);
      }
      const pdM = get('SCHILY.devmajor');
      if (pdM !== undefined) devmajor = paxNumber(pdM, 'devmajor', at);
      const pdm = get('SCHILY.devminor');
      if (pdm !== undefined) devminor = paxNumber(pdm, 'devminor', at);
      if (devmajor < 0 || devminor < 0 || devmajor > 0xffffffff || devminor > 0xffffffff) {
        throw new ArchiveFormatError(`invalid device numbers in tar header at offset ${at}`);
      }
      const uname = get('uname')?.toString('utf8') ?? (ustar || gnu ? cstring(h, 265, 32).toString('utf8') : '');
      const gname = get('gname')?.toString('utf8') ?? (ustar || gnu ? cstring(h, 297, 32).toString('utf8') : '');

      const xattrs = new Map<string, Buffer>();
      if (local) {
        for (const [k, v] of local) {
          if (k.startsWith('LIBARCHIVE.xattr.')) {
            const name = decodeURIComponentSafe(k.slice('LIBARCHIVE.xattr.'.length));
            if (name) xattrs.set(name, Buffer.from(v.toString('latin1'), 'base64'));
          }
        }
        for (const [k, v] of local) {
          if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice('SCHILY.xattr.'.length), v);
        }
      }

      const entry: TarEntry = {
        rawPath,
        type,
        size: dataSize,
        mode,
        uid,
        gid,
        uname,
        gname,
        mtime,
        atime,
        mtimeArg,
        atimeArg,
        linkpath: type === 'symlink' || type === 'hardlink' ? linkpath : '',
        devmajor,
        devminor,
        xattrs,
        offset: at,
        lossyName: flag.lossy,
      };
      if (rawPath === '') throw new ArchiveFormatError(`tar entry at offset ${at} has an empty path`);
      if ((type === 'symlink' || type === 'hardlink') && linkpath === '') {
        throw new ArchiveFormatError(`${printablePath(rawPath)}: ${type} without a target`);
      }
      this.current = entry;
      this.bodyRemain = dataSize;
      this.padRemain = (BLOCK - (dataSize % BLOCK)) % BLOCK;
      return entry;
    }
  }
}

function notTar(head: Buffer, why: string): ArchiveFormatError {
  const c = sniffCompression(head);
  const nested = c === 'none' ? '' : `; the data is ${c}-compressed again (nested compression is not supported)`;
  return new ArchiveFormatError(`not a tar archive (${why}${nested})`);
}

function decodeURIComponentSafe(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
