/**
 * Safe extraction of untrusted tar archives (ACI rootfs, OCI/Docker layers).
 *
 * Everything is written here with node:fs (nothing is delegated to a tar
 * library's writer); what Node cannot do (mknod, mkfifo, lsetxattr) goes to
 * the `specialFiles` callback in batches.
 *
 * Invariants:
 *  - an entry path is lexically confined (no absolute path, no `..`, no NUL);
 *  - every parent directory of an entry is checked component by component
 *    with lstat and must be a real directory: a symlink anywhere in the
 *    parent path (placed by this archive, an earlier layer, or anyone) is an
 *    UnsafeArchiveError, so nothing is ever written through a symlink;
 *  - `paths` caches directories created or verified during this run; an
 *    entry removed or replaced is dropped from it with all its descendants;
 *  - files are created with O_CREAT|O_EXCL|O_NOFOLLOW: only files we have just
 *    created are written to, an existing path is removed first (never followed);
 *  - queued special-file operations are flushed before anything is removed
 *    or before a path they concern is used again, so the tree they were
 *    validated against still holds when they run.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { lendEntry } from './archive-entry.js';
import { UnsafeArchiveError, printablePath } from './errors.js';
import { applyStrip, parseWhiteout, splitArchivePath, splitStrip, type Whiteout } from './paths.js';
import { PathTable } from './pathtable.js';
import { TarReader, type TarEntry } from './reader.js';
import { openByteSource } from './source.js';
import type { ArchiveEntry, FsOp, FsOpResult, TarEntryType } from './types.js';

export interface ExtractOptions {
  /** An existing directory we own (empty, or holding lower layers). */
  dest: string;
  /** Only entries under this prefix are extracted, prefix removed (ACI: "rootfs/"); the
   * others are passed to `onOtherEntry`. An entry naming the prefix itself is `dest`. */
  strip?: string;
  /** Entries outside `strip` (e.g. the ACI "manifest"). `path` is normalized. */
  onOtherEntry?: (path: string, entry: ArchiveEntry) => Promise<void>;
  /** OCI/Docker layer semantics: apply `.wh.<name>` and `.wh..wh..opq` against what is
   * already in `dest` (before this layer's other entries); never create them. Also lets
   * hard links point to regular files of earlier layers. */
  whiteouts?: boolean;
  /** mknod / mkfifo / lsetxattr (e.g. `runFsOps` of @rkt/isolation). */
  specialFiles: (ops: FsOp[]) => Promise<FsOpResult[]>;
  /** Bound on the decompressed tar stream, per pass (default 64 GiB). */
  maxDecompressedBytes?: number;
  /** Bound on the number of entries (default 10 million). */
  maxEntries?: number;
  /** Called with the cumulative number of decompressed tar bytes processed (extraction pass). */
  onProgress?: (bytes: number) => void;
}

export interface ExtractResult {
  /** Tar entries in the archive (PAX / GNU long-name headers not counted). */
  entries: number;
  /** Decompressed tar bytes read by the extraction pass. */
  bytes: number;
  warnings: string[];
}

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 ** 3;
export const DEFAULT_MAX_ENTRIES = 10_000_000;
export { DEFAULT_MAX_READ_BYTES } from './archive-entry.js';
const SPECIAL_BATCH = 512;
const MAX_WARNINGS = 1000;
const PROGRESS_STEP = 1 << 20;
const OPEN_NEW = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function lstatOrNull(p: string): fs.Stats | null {
  return fs.lstatSync(p, { throwIfNoEntry: false }) ?? null;
}

class Warnings {
  readonly list: string[] = [];
  private dropped = 0;
  add = (w: string): void => {
    if (this.list.length < MAX_WARNINGS) this.list.push(w);
    else this.dropped++;
  };
  result(): string[] {
    return this.dropped ? [...this.list, `${this.dropped} more warnings not shown`] : this.list;
  }
}

interface NodeOp {
  op: FsOp;
  entry: string;
  uid: number;
  gid: number;
  mode: number;
  atime: number;
  mtime: number;
}

interface XattrOp {
  op: FsOp & { op: 'setxattr' };
  entry: string;
}

interface DirMeta {
  uid: number;
  gid: number;
  mode: number;
  atime: number;
  mtime: number;
}

type WalkMode = 'create' | 'check' | 'probe';
type WalkResult = 'ok' | 'missing' | 'symlink' | 'notdir';

function depth(rel: string): number {
  if (rel === '') return -1;
  let d = 0;
  for (let i = 0; i < rel.length; i++) if (rel.charCodeAt(i) === 0x2f) d++;
  return d;
}

class Extractor {
  /** Directories known safe, paths created by this run (hard link targets must be
   * among them), deferred directory metadata (applied deepest first at the end). */
  private readonly paths = new PathTable<DirMeta>();
  private nodeOps: NodeOp[] = [];
  private readonly pendingNodes = new Set<string>();
  private xattrOps: XattrOp[] = [];
  reader!: TarReader;

  constructor(
    private readonly root: string,
    private readonly strip: string[],
    private readonly opts: ExtractOptions,
    private readonly warn: (w: string) => void,
  ) {}

  private abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /** Drop `rel` (unless `keepSelf`) and everything below it from what we know. */
  private forget(rel: string, keepSelf = false): void {
    this.paths.forget(rel, keepSelf);
  }

  private markSafe(rel: string): void {
    this.paths.node(rel).safe = true;
  }

  private setCreated(rel: string, type: TarEntryType): void {
    this.paths.node(rel).created = type;
  }

  /**
   * Check (and with 'create', make) the first `n` components of `comps` as real
   * directories. Never follows a symlink.
   */
  private async walk(comps: string[], n: number, entry: string, how: WalkMode): Promise<WalkResult> {
    if (n === 0) return 'ok';
    if (this.paths.isSafe(n === comps.length ? comps.join('/') : comps.slice(0, n).join('/'))) return 'ok';
    let rel = '';
    let fresh = false; // a parent was just created: the rest cannot exist
    for (let i = 0; i < n; i++) {
      rel = i === 0 ? comps[0]! : `${rel}/${comps[i]!}`;
      if (this.paths.isSafe(rel)) continue;
      if (!fresh) {
        if (this.pendingNodes.has(rel)) await this.flush();
        const st = lstatOrNull(this.abs(rel));
        if (st !== null) {
          if (st.isDirectory()) {
            this.markSafe(rel);
            continue;
          }
          const kind = st.isSymbolicLink() ? 'symlink' : 'notdir';
          if (how === 'probe') return kind;
          throw new UnsafeArchiveError(
            entry,
            kind === 'symlink' ? `path traverses a symlink ("${rel}")` : `parent "${rel}" is not a directory`,
          );
        }
        if (how !== 'create') return 'missing';
      }
      const p = this.abs(rel);
      fs.mkdirSync(p, 0o755);
      fs.chmodSync(p, 0o755); // whatever the umask
      fresh = true;
      const node = this.paths.node(rel);
      node.safe = true;
      node.created = 'directory';
    }
    return 'ok';
  }

  /**
   * Make room at `rel` (its parent is a verified directory). An existing
   * directory is kept when `keepDir`, otherwise removed recursively.
   */
  private async clearPath(rel: string, keepDir: boolean): Promise<'kept' | 'clear'> {
    const p = this.abs(rel);
    const st = lstatOrNull(p);
    if (st === null) return 'clear';
    if (st.isDirectory()) {
      if (keepDir) {
        this.markSafe(rel);
        return 'kept';
      }
      await this.flush();
      await fsp.rm(p, { recursive: true, force: true });
      this.forget(rel);
      return 'clear';
    }
    if (this.xattrOps.length || this.nodeOps.length) await this.flush();
    fs.unlinkSync(p);
    this.forget(rel);
    return 'clear';
  }

  private async removeTree(rel: string): Promise<void> {
    await fsp.rm(this.abs(rel), { recursive: true, force: true });
    this.forget(rel);
  }

  /** Apply one whiteout against what is already in dest (layers below). */
  async applyWhiteout(w: Whiteout, entry: string): Promise<void> {
    if (w.kind === 'meta') return;
    const r = await this.walk(w.dir, w.dir.length, entry, 'probe');
    if (r === 'symlink') {
      this.warn(`${printablePath(entry)}: whiteout ignored: its directory traverses a symlink`);
      return;
    }
    if (r !== 'ok') return; // nothing there to hide
    const dirRel = w.dir.join('/');
    if (w.kind === 'opaque') {
      const dirAbs = Buffer.from(this.abs(dirRel));
      const slash = Buffer.from('/');
      for (const child of await fsp.readdir(dirAbs, { encoding: 'buffer' })) {
        await fsp.rm(Buffer.concat([dirAbs, slash, child]), { recursive: true, force: true });
      }
      this.forget(dirRel, true);
    } else {
      await this.removeTree(dirRel === '' ? w.name : `${dirRel}/${w.name}`);
    }
  }

  private times(e: TarEntry): { atime: number; mtime: number } {
    return { atime: e.atimeArg ?? e.mtimeArg, mtime: e.mtimeArg };
  }

  async entry(e: TarEntry): Promise<void> {
    const name = e.rawPath;
    if (e.lossyName) this.warn(`${printablePath(name)}: name is not valid UTF-8, extracted under a lossy name`);
    const all = splitArchivePath(name, name);
    const comps = applyStrip(all, this.strip);
    if (comps === null) {
      await this.other(all.join('/'), e);
      return;
    }
    if (this.opts.whiteouts) {
      const w = parseWhiteout(comps, name);
      if (w !== null) {
        if (w.kind === 'meta') this.warn(`${printablePath(name)}: aufs metadata entry skipped`);
        return; // applied before this pass; never created
      }
    }
    const rel = comps.join('/');
    if (this.pendingNodes.has(rel)) await this.flush();
    if (rel === '') {
      if (e.type !== 'directory') throw new UnsafeArchiveError(name, `would replace the extraction root with a ${e.type}`);
      this.paths.node('').meta = { uid: e.uid, gid: e.gid, mode: e.mode, ...this.times(e) };
      await this.queueXattrs('', e);
      return;
    }
    await this.walk(comps, comps.length - 1, name, 'create');
    switch (e.type) {
      case 'file':
        return this.writeFile(rel, e);
      case 'directory':
        return this.makeDir(rel, e);
      case 'symlink':
        return this.makeSymlink(rel, e);
      case 'hardlink':
        return this.makeHardlink(rel, e);
      case 'char':
      case 'block':
      case 'fifo':
        return this.makeNode(rel, e);
    }
  }

  private async other(path: string, e: TarEntry): Promise<void> {
    const cb = this.opts.onOtherEntry;
    if (cb) await lendEntry(this.reader, e, (entry) => cb(path, entry));
  }

  private async writeFile(rel: string, e: TarEntry): Promise<void> {
    const p = this.abs(rel);
    const { atime, mtime } = this.times(e);
    let fd: number;
    try {
      fd = fs.openSync(p, OPEN_NEW, 0o600);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      await this.clearPath(rel, false);
      fd = fs.openSync(p, OPEN_NEW, 0o600);
    }
    try {
      // Synchronous writes of chunks of at most 1 MiB: the data is pulled from the
      // source only once written (backpressure), and reads of the source yield.
      let b: Buffer | null;
      while ((b = await this.reader.pullBody()) !== null) {
        let off = 0;
        while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
      }
      fs.fchownSync(fd, e.uid, e.gid);
      fs.fchmodSync(fd, e.mode); // after chown, which clears setuid/setgid
      fs.futimesSync(fd, atime, mtime);
    } finally {
      fs.closeSync(fd);
    }
    this.setCreated(rel, 'file');
    await this.queueXattrs(rel, e);
  }

  private async makeDir(rel: string, e: TarEntry): Promise<void> {
    const p = this.abs(rel);
    try {
      fs.mkdirSync(p, 0o700); // final mode applied at the end
      this.setCreated(rel, 'directory');
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      if ((await this.clearPath(rel, true)) === 'clear') {
        fs.mkdirSync(p, 0o700);
        this.setCreated(rel, 'directory');
      }
    }
    const node = this.paths.node(rel);
    node.safe = true;
    node.meta = { uid: e.uid, gid: e.gid, mode: e.mode, ...this.times(e) };
    await this.queueXattrs(rel, e);
  }

  private async makeSymlink(rel: string, e: TarEntry): Promise<void> {
    if (e.linkpath.includes('\0')) throw new UnsafeArchiveError(e.rawPath, 'symlink target contains a NUL byte');
    const p = this.abs(rel);
    try {
      fs.symlinkSync(e.linkpath, p); // target exactly as in the archive
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      await this.clearPath(rel, false);
      fs.symlinkSync(e.linkpath, p);
    }
    const { atime, mtime } = this.times(e);
    fs.lchownSync(p, e.uid, e.gid);
    fs.lutimesSync(p, atime, mtime);
    this.setCreated(rel, 'symlink');
    await this.queueXattrs(rel, e);
  }

  private async makeHardlink(rel: string, e: TarEntry): Promise<void> {
    const name = e.rawPath;
    const all = splitArchivePath(e.linkpath, name, 'hard link target');
    const tcomps = applyStrip(all, this.strip);
    if (tcomps === null) throw new UnsafeArchiveError(name, `hard link target "${printablePath(e.linkpath)}" is outside the extracted tree`);
    if (tcomps.length === 0) throw new UnsafeArchiveError(name, 'hard link to the extraction root');
    const trel = tcomps.join('/');
    if (this.pendingNodes.has(trel)) await this.flush();
    const r = await this.walk(tcomps, tcomps.length - 1, name, 'check');
    const tst = r === 'ok' ? lstatOrNull(this.abs(trel)) : null;
    if (tst === null) throw new UnsafeArchiveError(name, `hard link target "${printablePath(e.linkpath)}" does not exist`);
    if (tst.isDirectory()) throw new UnsafeArchiveError(name, `hard link target "${printablePath(e.linkpath)}" is a directory`);
    const known = this.paths.get(trel)?.created;
    if (known === undefined && !(this.opts.whiteouts && tst.isFile())) {
      throw new UnsafeArchiveError(name, `hard link target "${printablePath(e.linkpath)}" is not an entry extracted from this archive`);
    }
    if (trel === rel) return; // a link to itself: nothing to do
    const p = this.abs(rel);
    const t = this.abs(trel);
    // link(2) does not follow a symlink target on Linux: a link to a symlink is a symlink.
    try {
      fs.linkSync(t, p);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      await this.clearPath(rel, false);
      fs.linkSync(t, p);
    }
    this.setCreated(rel, known ?? 'file');
  }

  private async makeNode(rel: string, e: TarEntry): Promise<void> {
    await this.clearPath(rel, false);
    const p = this.abs(rel);
    const op: FsOp =
      e.type === 'fifo'
        ? { op: 'mkfifo', path: p, mode: e.mode }
        : { op: 'mknod', path: p, type: e.type === 'char' ? 'char' : 'block', mode: e.mode, major: e.devmajor, minor: e.devminor };
    this.nodeOps.push({ op, entry: e.rawPath, uid: e.uid, gid: e.gid, mode: e.mode, ...this.times(e) });
    this.pendingNodes.add(rel);
    this.setCreated(rel, e.type);
    await this.queueXattrs(rel, e);
    if (this.nodeOps.length >= SPECIAL_BATCH) await this.flush();
  }

  private async queueXattrs(rel: string, e: TarEntry): Promise<void> {
    if (e.xattrs.size === 0) return;
    for (const [name, value] of e.xattrs) {
      if (name === '' || name.includes('\0')) {
        this.warn(`${printablePath(e.rawPath)}: invalid xattr name ${JSON.stringify(name)} skipped`);
        continue;
      }
      if (/^(trusted|user)\.overlay\./.test(name)) {
        // would change overlayfs semantics if the tree is later used as a lower dir
        this.warn(`${printablePath(e.rawPath)}: xattr ${name} dropped (reserved for overlayfs)`);
        continue;
      }
      this.xattrOps.push({ op: { op: 'setxattr', path: this.abs(rel), name, value }, entry: e.rawPath });
    }
    if (this.xattrOps.length >= SPECIAL_BATCH) await this.flush();
  }

  /** Run queued special-file operations: nodes (then their owner/mode/times), then xattrs. */
  async flush(): Promise<void> {
    if (this.nodeOps.length) {
      const batch = this.nodeOps;
      this.nodeOps = [];
      const res = await this.opts.specialFiles(batch.map(b => b.op));
      batch.forEach((b, i) => {
        const r = res[i];
        if (!r || !r.ok) {
          const what = b.op.op === 'mkfifo' ? 'FIFO' : `${(b.op as { type: string }).type} device`;
          throw new Error(`${printablePath(b.entry)}: cannot create ${what}: ${r ? `${r.code}: ${r.message}` : 'no result'}`);
        }
      });
      for (const b of batch) {
        fs.lchownSync(b.op.path, b.uid, b.gid);
        fs.chmodSync(b.op.path, b.mode);
        fs.lutimesSync(b.op.path, b.atime, b.mtime);
      }
      this.pendingNodes.clear();
    }
    if (this.xattrOps.length) {
      const batch = this.xattrOps;
      this.xattrOps = [];
      let res: FsOpResult[];
      try {
        res = await this.opts.specialFiles(batch.map(b => b.op));
      } catch (err) {
        this.warn(`cannot set ${batch.length} extended attributes: ${(err as Error).message}`);
        return;
      }
      batch.forEach((b, i) => {
        const r = res[i];
        if (!r || !r.ok) {
          this.warn(`${printablePath(b.entry)}: cannot set xattr ${b.op.name}: ${r ? `${r.code}: ${r.message}` : 'no result'}`);
        }
      });
    }
  }

  /** Flush, then apply directory owner/mode/times, deepest first. */
  async finish(): Promise<void> {
    await this.flush();
    const dirs = [...this.paths.withMeta()].sort((a, b) => depth(b[0]) - depth(a[0]));
    for (const [rel, m] of dirs) {
      if (!this.paths.isSafe(rel)) continue; // replaced since (forget() drops the record anyway)
      const p = this.abs(rel);
      fs.lchownSync(p, m.uid, m.gid);
      fs.chmodSync(p, m.mode);
      fs.lutimesSync(p, m.atime, m.mtime);
    }
  }
}

/** Pass 1 (layers): validate every path lexically and collect the whiteouts. */
async function collectWhiteouts(
  source: string,
  strip: string[],
  maxBytes: number,
  maxEntries: number,
): Promise<{ w: Whiteout; entry: string }[]> {
  const src = await openByteSource(source, maxBytes);
  try {
    const reader = new TarReader(src, { maxEntries, onWarning: () => {} });
    const out: { w: Whiteout; entry: string }[] = [];
    let e: TarEntry | null;
    while ((e = await reader.next()) !== null) {
      const comps = applyStrip(splitArchivePath(e.rawPath, e.rawPath), strip);
      if (comps === null) continue;
      if (e.type === 'hardlink') {
        if (applyStrip(splitArchivePath(e.linkpath, e.rawPath, 'hard link target'), strip) === null) {
          throw new UnsafeArchiveError(e.rawPath, `hard link target "${printablePath(e.linkpath)}" is outside the extracted tree`);
        }
      }
      const w = parseWhiteout(comps, e.rawPath);
      if (w !== null) out.push({ w, entry: e.rawPath });
    }
    return out;
  } finally {
    await src.close();
  }
}

/**
 * Extract a tar file (plain, gzip, or zstd where node:zlib supports it) into
 * `opts.dest`. See ExtractOptions. Throws UnsafeArchiveError,
 * ArchiveFormatError, ArchiveLimitError, or a system error; on error `dest`
 * holds a partial extraction that the caller discards.
 */
export async function extractTar(source: string, opts: ExtractOptions): Promise<ExtractResult> {
  if (typeof opts.specialFiles !== 'function') throw new TypeError('extractTar: specialFiles callback is required');
  const maxBytes = opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!(maxBytes > 0) || !(maxEntries > 0)) throw new TypeError('extractTar: limits must be positive');
  const root = await fsp.realpath(opts.dest);
  if (!(await fsp.lstat(root)).isDirectory()) throw new TypeError(`extractTar: ${opts.dest} is not a directory`);
  const strip = opts.strip ? splitStrip(opts.strip) : [];
  const warnings = new Warnings();
  const ex = new Extractor(root, strip, opts, warnings.add);

  if (opts.whiteouts) {
    for (const { w, entry } of await collectWhiteouts(source, strip, maxBytes, maxEntries)) {
      await ex.applyWhiteout(w, entry);
    }
  }

  const src = await openByteSource(source, maxBytes);
  try {
    const reader = new TarReader(src, { maxEntries, onWarning: warnings.add });
    ex.reader = reader;
    let reported = 0;
    let e: TarEntry | null;
    while ((e = await reader.next()) !== null) {
      await ex.entry(e);
      if (opts.onProgress && reader.consumed - reported >= PROGRESS_STEP) {
        reported = reader.consumed;
        opts.onProgress(reported);
      }
    }
    if (src.compression !== 'none') {
      // read to the end of the compressed stream so that its checksum is verified
      while ((await src.pull(1 << 20)) !== null);
    }
    await ex.finish();
    opts.onProgress?.(reader.consumed);
    return { entries: reader.entryCount, bytes: reader.consumed, warnings: warnings.result() };
  } finally {
    await src.close();
  }
}
