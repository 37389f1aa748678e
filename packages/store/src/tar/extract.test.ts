/**
 * Tests of the safe tar extractor, as root, on real files. Hostile archives are
 * built from raw 512-byte headers (normal tools refuse to write them).
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import * as tar from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ArchiveFormatError,
  ArchiveLimitError,
  extractTar,
  scanTar,
  UnsafeArchiveError,
  type ExtractOptions,
  type FsOp,
  type FsOpResult,
} from './index.js';

const execFileP = promisify(execFile);
const have = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const HAVE_SETFATTR = have('setfattr');
const HAVE_PYTHON = have('python3');
const XATTR_TOOL = HAVE_SETFATTR ? 'setfattr' : HAVE_PYTHON ? 'python3' : null;
const IS_ROOT = process.getuid?.() === 0;

// ---------------------------------------------------------------- raw tar builder

type Bytes = string | Buffer;
interface Hdr {
  name: Bytes;
  type?: string;
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: Bytes;
  devmajor?: number;
  devminor?: number;
  prefix?: string;
  format?: 'ustar' | 'gnu' | 'v7';
  badChecksum?: boolean;
}

const buf = (b: Bytes): Buffer => (typeof b === 'string' ? Buffer.from(b, 'utf8') : b);

function octal(b: Buffer, off: number, len: number, n: number): void {
  b.write(n.toString(8).padStart(len - 1, '0') + '\0', off, len, 'latin1');
}

function header(h: Hdr): Buffer {
  const b = Buffer.alloc(512);
  buf(h.name).copy(b, 0, 0, 100);
  octal(b, 100, 8, h.mode ?? 0o644);
  octal(b, 108, 8, h.uid ?? 0);
  octal(b, 116, 8, h.gid ?? 0);
  octal(b, 124, 12, h.size ?? 0);
  octal(b, 136, 12, h.mtime ?? 1_600_000_000);
  b.write(h.type ?? '0', 156, 1, 'latin1');
  if (h.linkname !== undefined) buf(h.linkname).copy(b, 157, 0, 100);
  const format = h.format ?? 'ustar';
  if (format === 'ustar') b.write('ustar\u000000', 257, 8, 'latin1');
  if (format === 'gnu') b.write('ustar  \u0000', 257, 8, 'latin1');
  if (format !== 'v7') {
    b.write('root', 265, 32);
    b.write('root', 297, 32);
    octal(b, 329, 8, h.devmajor ?? 0);
    octal(b, 337, 8, h.devminor ?? 0);
  }
  if (h.prefix && format === 'ustar') b.write(h.prefix, 345, 155);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  if (h.badChecksum) sum += 1;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return b;
}

function pad(data: Buffer): Buffer {
  const r = data.length % 512;
  return r ? Buffer.concat([data, Buffer.alloc(512 - r)]) : data;
}

const T = {
  file: (name: Bytes, content: Bytes = '', o: Partial<Hdr> = {}): Buffer => {
    const data = buf(content);
    return Buffer.concat([header({ name, size: data.length, ...o }), pad(data)]);
  },
  dir: (name: string, o: Partial<Hdr> = {}): Buffer => header({ name, type: '5', mode: 0o755, ...o }),
  symlink: (name: string, target: Bytes, o: Partial<Hdr> = {}): Buffer =>
    header({ name, type: '2', linkname: target, mode: 0o777, ...o }),
  hardlink: (name: string, target: string, o: Partial<Hdr> = {}): Buffer => header({ name, type: '1', linkname: target, ...o }),
  char: (name: string, major: number, minor: number, o: Partial<Hdr> = {}): Buffer =>
    header({ name, type: '3', devmajor: major, devminor: minor, mode: 0o666, ...o }),
  block: (name: string, major: number, minor: number, o: Partial<Hdr> = {}): Buffer =>
    header({ name, type: '4', devmajor: major, devminor: minor, mode: 0o660, ...o }),
  fifo: (name: string, o: Partial<Hdr> = {}): Buffer => header({ name, type: '6', mode: 0o644, ...o }),
  /** PAX extended header for the next entry. Values are raw bytes. */
  pax: (records: Record<string, Bytes>, type = 'x'): Buffer => {
    const parts: Buffer[] = [];
    for (const [k, v] of Object.entries(records)) {
      const kv = Buffer.concat([Buffer.from(` ${k}=`), buf(v), Buffer.from('\n')]);
      let len = kv.length + 1;
      while (String(len).length + kv.length !== len) len = String(len).length + kv.length;
      parts.push(Buffer.concat([Buffer.from(String(len)), kv]));
    }
    const body = Buffer.concat(parts);
    return Buffer.concat([header({ name: 'PaxHeaders/x', type, size: body.length }), pad(body)]);
  },
  gnuLong: (name: string, type: 'L' | 'K' = 'L'): Buffer => {
    const body = Buffer.from(name + '\0');
    return Buffer.concat([header({ name: '././@LongLink', type, size: body.length, format: 'gnu' }), pad(body)]);
  },
  end: (): Buffer => Buffer.alloc(1024),
};
const archive = (...parts: Buffer[]): Buffer => Buffer.concat([...parts, T.end()]);

// ---------------------------------------------------------------- special files via system tools

interface Recorder {
  calls: FsOp[][];
  fn: (ops: FsOp[]) => Promise<FsOpResult[]>;
}

function systemSpecialFiles(): Recorder {
  const calls: FsOp[][] = [];
  const fn = async (ops: FsOp[]): Promise<FsOpResult[]> => {
    calls.push(ops);
    const out: FsOpResult[] = [];
    for (const op of ops) {
      try {
        switch (op.op) {
          case 'mknod':
            await execFileP('mknod', ['-m', (op.mode & 0o7777).toString(8), op.path, op.type === 'char' ? 'c' : 'b', String(op.major), String(op.minor)]);
            break;
          case 'mkfifo':
            await execFileP('mkfifo', ['-m', (op.mode & 0o7777).toString(8), op.path]);
            break;
          case 'setxattr':
            if (XATTR_TOOL === 'setfattr') {
              await execFileP('setfattr', ['-h', '-n', op.name, '-v', `0x${op.value.toString('hex')}`, op.path]);
            } else if (XATTR_TOOL === 'python3') {
              await execFileP('python3', [
                '-c',
                'import os,sys; os.setxattr(sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]), follow_symlinks=False)',
                op.path,
                op.name,
                op.value.toString('hex'),
              ]);
            } else {
              throw Object.assign(new Error('no xattr tool'), { code: 'ENOTSUP' });
            }
            break;
          case 'lchown':
            await fsp.lchown(op.path, op.uid, op.gid);
            break;
          default:
            throw Object.assign(new Error(`unsupported op ${op.op}`), { code: 'ENOSYS' });
        }
        out.push({ ok: true });
      } catch (err) {
        const e = err as NodeJS.ErrnoException & { stderr?: string };
        out.push({ ok: false, code: e.code ? String(e.code) : 'EFAIL', message: (e.stderr || e.message).trim() });
      }
    }
    return out;
  };
  return { calls, fn };
}

async function getXattr(p: string, name: string): Promise<Buffer | null> {
  const code = 'import os,sys\ntry:\n  print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).hex())\nexcept OSError:\n  print("NONE")';
  const { stdout } = await execFileP('python3', ['-c', code, p, name]);
  const s = stdout.trim();
  return s === 'NONE' ? null : Buffer.from(s, 'hex');
}

const major = (rdev: number): number => Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
const minor = (rdev: number): number => Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));

// ---------------------------------------------------------------- fixture

let base: string;
let dest: string;
let sentinel: string;
let special: Recorder;
let sentinelBefore: string;
let n = 0;

async function snapshot(dir: string): Promise<string> {
  const lines: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const name of (await fsp.readdir(d)).sort()) {
      const p = path.join(d, name);
      const st = await fsp.lstat(p, { bigint: true });
      let extra = '';
      if (st.isFile()) extra = createHash('sha256').update(await fsp.readFile(p)).digest('hex');
      if (st.isSymbolicLink()) extra = await fsp.readlink(p);
      // Node sets times with microsecond resolution (libuv truncates): compare at that resolution
      lines.push(`${path.relative(base, p)} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeNs / 1000n} ${extra}`);
      if (st.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return lines.join('\n');
}

async function writeArchive(data: Buffer, name = `a${n++}.tar`): Promise<string> {
  const p = path.join(base, 'archives', name);
  await fsp.writeFile(p, data);
  return p;
}

function opts(o: Partial<ExtractOptions> = {}): ExtractOptions {
  return { dest, specialFiles: special.fn, ...o };
}

async function extract(data: Buffer, o: Partial<ExtractOptions> = {}) {
  return extractTar(await writeArchive(data), opts(o));
}

/** Extract a hostile archive: it must throw `cls` matching `msg`, and leave everything outside dest untouched. */
async function expectRejected(
  data: Buffer,
  cls: new (...args: never[]) => Error,
  msg: RegExp,
  o: Partial<ExtractOptions> = {},
): Promise<Error> {
  const err = await extract(data, o).then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(err, 'extraction should have failed').toBeInstanceOf(cls);
  expect(err!.message).toMatch(msg);
  await expectOutsideUntouched();
  return err!;
}

async function expectOutsideUntouched(): Promise<void> {
  expect(await snapshot(sentinel)).toBe(sentinelBefore);
  expect((await fsp.readdir(base)).sort()).toEqual(['archives', 'dest', 'sentinel']);
  expect(fs.existsSync('/pwned')).toBe(false);
}

beforeEach(async () => {
  base = await fsp.mkdtemp(path.join(os.tmpdir(), 'rkt-tar-'));
  dest = path.join(base, 'dest');
  sentinel = path.join(base, 'sentinel');
  await fsp.mkdir(dest);
  await fsp.mkdir(path.join(base, 'archives'));
  await fsp.mkdir(path.join(sentinel, 'sub'), { recursive: true });
  await fsp.writeFile(path.join(sentinel, 'target'), 'original');
  await fsp.writeFile(path.join(sentinel, 'sub', 'passwd'), 'root:x:0:0');
  sentinelBefore = await snapshot(sentinel);
  special = systemSpecialFiles();
});

afterEach(async () => {
  await fsp.rm(base, { recursive: true, force: true });
});

const D = (...p: string[]): string => path.join(dest, ...p);

// ---------------------------------------------------------------- tests

describe.skipIf(!IS_ROOT)('extractTar (as root)', () => {
  describe('regular extraction', () => {
    it('extracts files, directories, symlinks and hard links with owners, modes and times', async () => {
      const data = archive(
        T.dir('etc/', { mtime: 1_500_000_000, uid: 0, gid: 0 }),
        T.file('etc/hosts', '127.0.0.1 localhost\n', { mode: 0o644, uid: 0, gid: 0, mtime: 1_500_000_100 }),
        T.file('home/user/notes', 'hello', { mode: 0o600, uid: 1000, gid: 1001, mtime: 1_400_000_000 }),
        T.symlink('etc/localtime', '/usr/share/zoneinfo/UTC', { uid: 1000, gid: 1000, mtime: 1_300_000_000 }),
        T.symlink('rel', 'etc/hosts'),
        T.hardlink('etc/hosts2', 'etc/hosts'),
        T.file('empty', ''),
      );
      const res = await extract(data);
      expect(res.entries).toBe(7);
      expect(res.bytes).toBe(data.length);
      expect(res.warnings).toEqual([]);
      expect(await fsp.readFile(D('etc/hosts'), 'utf8')).toBe('127.0.0.1 localhost\n');
      const notes = await fsp.lstat(D('home/user/notes'));
      expect([notes.mode & 0o7777, notes.uid, notes.gid, notes.mtimeMs]).toEqual([0o600, 1000, 1001, 1_400_000_000_000]);
      // absolute symlink target kept verbatim (tar@7 would rewrite it)
      expect(await fsp.readlink(D('etc/localtime'))).toBe('/usr/share/zoneinfo/UTC');
      const l = await fsp.lstat(D('etc/localtime'));
      expect([l.uid, l.gid, l.mtimeMs]).toEqual([1000, 1000, 1_300_000_000_000]);
      expect(await fsp.readlink(D('rel'))).toBe('etc/hosts');
      expect((await fsp.stat(D('etc/hosts2'))).ino).toBe((await fsp.stat(D('etc/hosts'))).ino);
      expect((await fsp.stat(D('etc'))).mtimeMs).toBe(1_500_000_000_000);
      // implicit parents
      const home = await fsp.lstat(D('home'));
      expect(home.isDirectory() && (home.mode & 0o777) === 0o755).toBe(true);
      expect((await fsp.stat(D('empty'))).size).toBe(0);
    });

    it('keeps setuid/setgid bits of files owned by non-root users (chmod after chown)', async () => {
      await extract(
        archive(
          T.file('bin/su', '#!', { mode: 0o4755, uid: 1000, gid: 1000 }),
          T.file('bin/wall', '#!', { mode: 0o2755, uid: 1000, gid: 5 }),
          T.file('bin/big', randomBytes(400_000), { mode: 0o6711, uid: 1000, gid: 1000 }),
        ),
      );
      const su = await fsp.stat(D('bin/su'));
      expect([su.mode & 0o7777, su.uid, su.gid]).toEqual([0o4755, 1000, 1000]);
      expect((await fsp.stat(D('bin/wall'))).mode & 0o7777).toBe(0o2755);
      expect((await fsp.stat(D('bin/big'))).mode & 0o7777).toBe(0o6711);
    });

    it('applies sticky and read-only directory modes and mtimes at the end', async () => {
      await extract(
        archive(
          T.dir('tmp/', { mode: 0o1777, mtime: 1_000 }),
          T.dir('ro/', { mode: 0o555, uid: 1000, gid: 1000, mtime: 2_000 }),
          T.dir('ro/inner/', { mode: 0o500, mtime: 3_000 }),
          T.file('ro/inner/f', 'x', { mode: 0o400 }),
          T.file('tmp/x', 'y'),
        ),
      );
      const t = await fsp.stat(D('tmp'));
      expect([t.mode & 0o7777, t.mtimeMs]).toEqual([0o1777, 1_000_000]);
      const ro = await fsp.stat(D('ro'));
      expect([ro.mode & 0o7777, ro.uid, ro.mtimeMs]).toEqual([0o555, 1000, 2_000_000]);
      expect((await fsp.stat(D('ro/inner'))).mtimeMs).toBe(3_000_000);
      expect(await fsp.readFile(D('ro/inner/f'), 'utf8')).toBe('x');
    });

    it('creates devices and FIFOs through specialFiles, with owner and mode', async () => {
      await extract(
        archive(
          T.char('dev/null', 1, 3, { mode: 0o666, format: 'gnu' }), // GNU format: tar@7 would read 0:0
          T.block('dev/loop0', 7, 0, { mode: 0o660, gid: 6 }),
          T.char('dev/big', 300, 70000, { mode: 0o600, uid: 1000 }),
          T.fifo('run/fifo', { mode: 0o620, uid: 1000, gid: 1000, mtime: 5_000 }),
        ),
      );
      const nul = await fsp.lstat(D('dev/null'));
      expect(nul.isCharacterDevice()).toBe(true);
      expect([major(nul.rdev), minor(nul.rdev), nul.mode & 0o7777]).toEqual([1, 3, 0o666]);
      const loop = await fsp.lstat(D('dev/loop0'));
      expect(loop.isBlockDevice()).toBe(true);
      expect([major(loop.rdev), minor(loop.rdev), loop.gid, loop.mode & 0o7777]).toEqual([7, 0, 6, 0o660]);
      const big = await fsp.lstat(D('dev/big'));
      expect([major(big.rdev), minor(big.rdev), big.uid]).toEqual([300, 70000, 1000]);
      const fifo = await fsp.lstat(D('run/fifo'));
      expect(fifo.isFIFO()).toBe(true);
      expect([fifo.mode & 0o7777, fifo.uid, fifo.gid, fifo.mtimeMs]).toEqual([0o620, 1000, 1000, 5_000_000]);
      // one batch, absolute paths inside dest
      expect(special.calls).toHaveLength(1);
      for (const op of special.calls[0]!) expect(op.path.startsWith(dest + '/')).toBe(true);
    });

    it('reports a failed mknod as an error', async () => {
      const failing = async (ops: FsOp[]): Promise<FsOpResult[]> => ops.map(() => ({ ok: false, code: 'EPERM', message: 'Operation not permitted' }));
      await expect(extract(archive(T.char('dev/null', 1, 3)), { specialFiles: failing })).rejects.toThrow(
        /dev\/null: cannot create char device: EPERM/,
      );
    });

    it.skipIf(!XATTR_TOOL || !HAVE_PYTHON)('restores PAX SCHILY.xattr.* (binary values) via specialFiles, after chown', async () => {
      const cap = Buffer.from([0x80, 0xff, 0x00, 0x41, 0x0a, 0x3d]);
      const fcap = Buffer.from('0100000200200000000000000000000000000000', 'hex');
      const res = await extract(
        archive(
          T.pax({ 'SCHILY.xattr.user.bin': cap, 'SCHILY.xattr.user.text': 'v=1', 'SCHILY.xattr.trusted.overlay.opaque': 'y' }),
          T.file('f', 'data', { uid: 1000 }),
          T.pax({ 'SCHILY.xattr.user.dir': 'd' }),
          T.dir('d/'),
          T.pax({ 'LIBARCHIVE.xattr.user.b64': Buffer.from('hi').toString('base64') }),
          T.file('g', ''),
          // file capability cap_net_raw+p (VFS_CAP_REVISION_2): chown would clear it
          T.pax({ 'SCHILY.xattr.security.capability': fcap }),
          T.file('ping', 'ELF', { mode: 0o755, uid: 1000, gid: 1000 }),
        ),
      );
      expect(await getXattr(D('ping'), 'security.capability')).toEqual(fcap);
      expect((await fsp.stat(D('ping'))).uid).toBe(1000);
      expect(await getXattr(D('f'), 'user.bin')).toEqual(cap);
      expect((await getXattr(D('f'), 'user.text'))?.toString()).toBe('v=1');
      expect(await getXattr(D('f'), 'trusted.overlay.opaque')).toBeNull();
      expect((await getXattr(D('d'), 'user.dir'))?.toString()).toBe('d');
      expect((await getXattr(D('g'), 'user.b64'))?.toString()).toBe('hi');
      expect(res.warnings.join('\n')).toMatch(/trusted\.overlay\.opaque dropped/);
    });

    it('xattr failures are warnings, not errors', async () => {
      const res = await extract(archive(T.pax({ 'SCHILY.xattr.bogus.ns': 'x' }), T.file('f', 'a')), {
        specialFiles: async ops => ops.map(() => ({ ok: false, code: 'EOPNOTSUPP', message: 'not supported' })),
      });
      expect(res.warnings).toEqual(['f: cannot set xattr bogus.ns: EOPNOTSUPP: not supported']);
      expect(await fsp.readFile(D('f'), 'utf8')).toBe('a');
    });

    it('handles PAX and GNU long names, ustar prefixes, and PAX ids/times', async () => {
      const long = `${'d'.repeat(120)}/${'e'.repeat(150)}/${'f'.repeat(200)}`;
      const longLink = `/${'t'.repeat(300)}`;
      await extract(
        archive(
          T.pax({ path: long, uid: '3000000000', gid: '42', mtime: '1700000000.5' }),
          T.file('ignored-name', 'pax'),
          T.gnuLong(`gnu/${'g'.repeat(180)}`),
          T.file('ignored-too', 'gnu', { format: 'gnu' }),
          T.gnuLong('link-with-long-target'),
          T.gnuLong(longLink, 'K'),
          T.symlink('x', 'y', { format: 'gnu' }),
          T.file('name-part', 'ustar', { prefix: 'pre/fix' }),
          T.pax({ mtime: '1795912253.953218000', atime: '1795912253.000001999' }),
          T.file('precise', ''),
        ),
      );
      // microsecond-exact (libuv takes the times as doubles)
      const precise = await fsp.stat(D('precise'), { bigint: true });
      expect([precise.mtimeNs / 1000n, precise.atimeNs / 1000n]).toEqual([1795912253953218n, 1795912253000001n]);
      expect(await fsp.readFile(D(long), 'utf8')).toBe('pax');
      const st = await fsp.stat(D(long));
      expect([st.uid, st.gid, st.mtimeMs]).toEqual([3_000_000_000, 42, 1_700_000_000_500]);
      expect(await fsp.readFile(D(`gnu/${'g'.repeat(180)}`), 'utf8')).toBe('gnu');
      expect(await fsp.readlink(D('link-with-long-target'))).toBe(longLink);
      expect(await fsp.readFile(D('pre/fix/name-part'), 'utf8')).toBe('ustar');
    });

    it('streams large files intact (with backpressure)', async () => {
      const big = randomBytes(5 * 1024 * 1024 + 123);
      const res = await extract(archive(T.file('big.bin', big, { mode: 0o755 }), T.file('after', 'ok')));
      expect(createHash('sha256').update(await fsp.readFile(D('big.bin'))).digest('hex')).toBe(
        createHash('sha256').update(big).digest('hex'),
      );
      expect(await fsp.readFile(D('after'), 'utf8')).toBe('ok');
      expect(res.bytes).toBeGreaterThan(big.length);
    });

    it('later duplicate entries win; a directory over a directory keeps its content', async () => {
      await fsp.mkdir(D('keep'));
      await fsp.writeFile(D('keep/old'), 'lower');
      await extract(
        archive(
          T.file('a', 'first'),
          T.file('a', 'second', { mode: 0o600 }),
          T.file('b', 'file'),
          T.dir('b/', { mode: 0o700 }),
          T.file('b/inner', 'i'),
          T.dir('c/'),
          T.file('c/x', 'x'),
          T.file('c', 'now a file'),
          T.dir('keep/', { mode: 0o711, uid: 1000 }),
          T.symlink('s', '/nowhere'),
          T.dir('s/'),
          T.char('n', 1, 3),
          T.file('n', 'file over device'),
        ),
      );
      expect(await fsp.readFile(D('a'), 'utf8')).toBe('second');
      expect((await fsp.stat(D('a'))).mode & 0o777).toBe(0o600);
      expect(await fsp.readFile(D('b/inner'), 'utf8')).toBe('i');
      expect(await fsp.readFile(D('c'), 'utf8')).toBe('now a file');
      expect(await fsp.readFile(D('keep/old'), 'utf8')).toBe('lower');
      const keep = await fsp.stat(D('keep'));
      expect([keep.mode & 0o7777, keep.uid]).toEqual([0o711, 1000]);
      expect((await fsp.lstat(D('s'))).isDirectory()).toBe(true);
      expect(await fsp.readFile(D('n'), 'utf8')).toBe('file over device');
    });

    it('forgets replaced subtrees (hard links cannot reach removed entries), in linear time', async () => {
      const parts: Buffer[] = [];
      for (let i = 0; i < 2000; i++) parts.push(T.file(`many/f${i}`, ''));
      for (let i = 0; i < 500; i++) parts.push(T.dir('d/'), T.file('d/x', 'x'), T.file('d', 'file'));
      parts.push(T.dir('d/'));
      const t0 = Date.now();
      await expectRejected(archive(...parts, T.hardlink('h', 'd/x')), UnsafeArchiveError, /^h: hard link target "d\/x" does not exist/);
      expect(Date.now() - t0).toBeLessThan(20_000);
    });

    it('applies the metadata of a "./" entry to dest itself', async () => {
      await extract(archive(T.dir('./', { mode: 0o750, mtime: 7_000 }), T.file('./x', 'x')));
      const st = await fsp.stat(dest);
      expect([st.mode & 0o7777, st.mtimeMs]).toEqual([0o750, 7_000_000]);
    });

    it('extracts archives written by GNU tar (gnu and pax formats) identically', async () => {
      const src = path.join(base, 'archives', 'src');
      await fsp.mkdir(path.join(src, 'dir/sub'), { recursive: true });
      await fsp.writeFile(path.join(src, 'dir/file'), 'content');
      await fsp.writeFile(path.join(src, `dir/${'L'.repeat(200)}`), 'long');
      await fsp.link(path.join(src, 'dir/file'), path.join(src, 'dir/hard'));
      await fsp.symlink('/etc/passwd', path.join(src, 'dir/abs'));
      await execFileP('mknod', [path.join(src, 'dir/null'), 'c', '1', '3']);
      await execFileP('mkfifo', [path.join(src, 'dir/fifo')]);
      await fsp.chown(path.join(src, 'dir/file'), 1234, 5678);
      await fsp.chmod(path.join(src, 'dir/sub'), 0o1750);
      for (const format of ['gnu', 'pax', 'ustar']) {
        const file = path.join(base, 'archives', `${format}.tar`);
        // ustar cannot hold the 200-char name: exclude it there
        const extra = format === 'ustar' ? ['--exclude', 'L*'] : [];
        await execFileP('tar', [`--format=${format}`, ...extra, '-cf', file, '-C', src, '.']);
        const out = path.join(dest, format);
        await fsp.mkdir(out);
        await extractTar(file, { dest: out, specialFiles: special.fn });
        const gnuOut = path.join(base, 'archives', `gnu-x-${format}`);
        await fsp.mkdir(gnuOut);
        await execFileP('tar', ['-xpf', file, '-C', gnuOut]);
        const mine = (await snapshot(out)).split('\n').map(l => l.replace(/^dest\/\w+\//, ''));
        const theirs = (await snapshot(gnuOut)).split('\n').map(l => l.replace(/^archives\/gnu-x-\w+\//, ''));
        expect(mine).toEqual(theirs);
        const nul = await fsp.lstat(path.join(out, 'dir/null'));
        expect([major(nul.rdev), minor(nul.rdev)]).toEqual([1, 3]);
      }
    });

    it('extracts archives written by tar@7 (node-tar)', async () => {
      const src = path.join(base, 'archives', 'src7');
      await fsp.mkdir(path.join(src, 'a/b'), { recursive: true });
      await fsp.writeFile(path.join(src, 'a/b/c.txt'), 'node-tar');
      await fsp.writeFile(path.join(src, `a/${'n'.repeat(150)}`), 'long');
      await fsp.symlink('../x', path.join(src, 'a/up'));
      const file = path.join(base, 'archives', 'node.tgz');
      await tar.create({ file, cwd: src, gzip: true, portable: true }, ['a']);
      await extractTar(file, opts());
      expect(await fsp.readFile(D('a/b/c.txt'), 'utf8')).toBe('node-tar');
      expect(await fsp.readFile(D(`a/${'n'.repeat(150)}`), 'utf8')).toBe('long');
      expect(await fsp.readlink(D('a/up'))).toBe('../x');
    });

    it('without whiteouts, .wh.* entries are ordinary files', async () => {
      await extract(archive(T.file('.wh.foo', ''), T.file('d/.wh..wh..opq', '')));
      expect(fs.existsSync(D('.wh.foo'))).toBe(true);
      expect(fs.existsSync(D('d/.wh..wh..opq'))).toBe(true);
    });

    it('reports progress', async () => {
      const seen: number[] = [];
      const data = archive(T.file('big', randomBytes(3 << 20)));
      await extract(data, { onProgress: b => seen.push(b) });
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(seen.at(-1)).toBe(data.length);
    });
  });

  describe('reader details', () => {
    it('decodes GNU base-256 numbers', async () => {
      const h = header({ name: 'big-ids', uid: 0, gid: 0 });
      // uid 3000000000 in base-256 (marker bit + big-endian), checksum recomputed
      h.fill(0, 108, 116);
      h[108] = 0x80;
      h.writeUInt32BE(3_000_000_000, 112);
      h.fill(0x20, 148, 156);
      let sum = 0;
      for (const x of h) sum += x;
      h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
      await extract(archive(h));
      expect((await fsp.stat(D('big-ids'))).uid).toBe(3_000_000_000);
    });

    it('header-only types carry no data whatever their size field says (as Go archive/tar)', async () => {
      await extract(archive(header({ name: 'l', type: '2', linkname: 't', size: 512 }), T.file('next', 'n')));
      expect(await fsp.readlink(D('l'))).toBe('t');
      expect(await fsp.readFile(D('next'), 'utf8')).toBe('n');
    });

    it('skips unknown entry types with a warning, and pre-POSIX directories', async () => {
      const r = await extract(archive(T.file('vol', 'label', { type: 'V' }), T.file('old/', '', { type: '\0', format: 'v7' }), T.file('after', 'a')));
      expect(r.warnings).toEqual(['vol: unsupported tar entry type "V" skipped']);
      expect((await fsp.lstat(D('old'))).isDirectory()).toBe(true);
      expect(await fsp.readFile(D('after'), 'utf8')).toBe('a');
    });

    it('extracts names that are not valid UTF-8 lossily, with a warning', async () => {
      const r = await extract(archive(T.file(Buffer.from([0x66, 0xff, 0x66]), 'x')));
      expect(r.warnings[0]).toMatch(/not valid UTF-8/);
      expect(await fsp.readdir(dest)).toEqual(['f\ufffdf']);
    });

    it('a hard link to itself is a no-op', async () => {
      await extract(archive(T.file('a', 'x'), T.hardlink('a', 'a')));
      expect(await fsp.readFile(D('a'), 'utf8')).toBe('x');
    });

    it('entry data cannot be read after the callback returned', async () => {
      let saved: (() => Promise<Buffer>) | undefined;
      await extract(archive(T.file('manifest', '{}'), T.file('rootfs/x', 'x')), {
        strip: 'rootfs',
        onOtherEntry: async (_p, e) => void (saved = () => e.read()),
      });
      await expect(saved!()).rejects.toThrow(/can be read once, during the callback/);
    });
  });

  describe('ACI layout (strip "rootfs/")', () => {
    it('extracts rootfs/ into dest and hands other entries to onOtherEntry', async () => {
      const manifest = JSON.stringify({ acKind: 'ImageManifest', acVersion: '0.8.11', name: 'example.com/x' });
      const others: Record<string, string> = {};
      await extract(
        archive(
          T.file('manifest', manifest),
          T.dir('rootfs/', { mode: 0o755, mtime: 9_000 }),
          T.file('rootfs/bin/busybox', 'bb', { mode: 0o755 }),
          T.hardlink('rootfs/bin/sh', 'rootfs/bin/busybox'),
          T.symlink('rootfs/bin/ls', '/bin/busybox'),
          T.file('rootfsX/not-rootfs', 'other'),
        ),
        {
          strip: 'rootfs/',
          onOtherEntry: async (p, e) => {
            others[p] = (await e.read()).toString();
          },
        },
      );
      expect(JSON.parse(others['manifest']!).name).toBe('example.com/x');
      expect(others['rootfsX/not-rootfs']).toBe('other');
      expect(await fsp.readFile(D('bin/busybox'), 'utf8')).toBe('bb');
      expect((await fsp.stat(D('bin/sh'))).ino).toBe((await fsp.stat(D('bin/busybox'))).ino);
      expect(await fsp.readlink(D('bin/ls'))).toBe('/bin/busybox');
      expect((await fsp.stat(dest)).mtimeMs).toBe(9_000_000);
      expect(fs.existsSync(D('manifest'))).toBe(false);
      expect(fs.existsSync(D('rootfs'))).toBe(false);
    });

    it('rejects a hard link from rootfs/ to an entry outside it', async () => {
      await expectRejected(
        archive(T.file('manifest', '{}'), T.hardlink('rootfs/m', 'manifest')),
        UnsafeArchiveError,
        /^rootfs\/m: hard link target "manifest" is outside the extracted tree/,
        { strip: 'rootfs/' },
      );
    });

    it('rejects a rootfs that is not a directory', async () => {
      await expectRejected(archive(T.symlink('rootfs', '/')), UnsafeArchiveError, /would replace the extraction root/, {
        strip: 'rootfs',
      });
    });

    it('scanTar reads the manifest without extracting', async () => {
      const file = await writeArchive(archive(T.file('manifest', '{"a":1}'), T.file('rootfs/x', 'x')));
      let manifest = '';
      const r = await scanTar(file, async (p, e) => {
        if (p === 'manifest') {
          manifest = (await e.read()).toString();
          return 'stop';
        }
      });
      expect(manifest).toBe('{"a":1}');
      expect(r.stopped).toBe(true);
      expect(await fsp.readdir(dest)).toEqual([]);
    });
  });

  describe('hostile archives', () => {
    const abs = (): string => path.join(sentinel, 'pwned');

    it('rejects ../x', async () => {
      const e = await expectRejected(archive(T.file('../x', 'evil')), UnsafeArchiveError, /^\.\.\/x: path contains a "\.\." component$/);
      expect((e as UnsafeArchiveError).entry).toBe('../x');
    });

    it('rejects an absolute path', async () => {
      await expectRejected(archive(T.file(abs(), 'evil')), UnsafeArchiveError, /path is absolute/);
      await expectRejected(archive(T.file('/etc/x', 'evil')), UnsafeArchiveError, /^\/etc\/x: path is absolute/);
    });

    it('rejects a/../../x', async () => {
      await expectRejected(archive(T.dir('a/'), T.file('a/../../x', 'evil')), UnsafeArchiveError, /a\/\.\.\/\.\.\/x: path contains a "\.\."/);
    });

    it('rejects a NUL byte in a PAX path', async () => {
      await expectRejected(archive(T.pax({ path: 'ok\0/../../x' }), T.file('x', 'evil')), UnsafeArchiveError, /NUL/);
    });

    it('rejects link -> / followed by link/<outside path>', async () => {
      await expectRejected(
        archive(T.symlink('link', '/'), T.file(`link${sentinel}/pwned`, 'evil')),
        UnsafeArchiveError,
        /path traverses a symlink \("link"\)/,
      );
      expect(await fsp.readlink(D('link'))).toBe('/'); // the symlink itself is fine
    });

    it('rejects a symlink to .. followed by a file through it', async () => {
      await expectRejected(
        archive(T.dir('d/'), T.symlink('d/up', '..'), T.symlink('d/up2', '../..'), T.file('d/up2/sentinel/pwned', 'evil')),
        UnsafeArchiveError,
        /^d\/up2\/sentinel\/pwned: path traverses a symlink \("d\/up2"\)/,
      );
    });

    it('rejects a directory entry through a symlink', async () => {
      await expectRejected(archive(T.symlink('s', sentinel), T.dir('s/newdir/')), UnsafeArchiveError, /traverses a symlink/);
    });

    it('replaces (does not write through) a symlink at the final path', async () => {
      await extract(
        archive(
          T.symlink('evil', path.join(sentinel, 'target')),
          T.file('evil', 'replaced'),
          T.symlink('evildir', sentinel),
          T.dir('evildir/'),
          T.symlink('evilnode', path.join(sentinel, 'target')),
          T.fifo('evilnode'),
        ),
      );
      expect(await fsp.readFile(D('evil'), 'utf8')).toBe('replaced');
      expect((await fsp.lstat(D('evildir'))).isDirectory()).toBe(true);
      expect((await fsp.lstat(D('evilnode'))).isFIFO()).toBe(true);
      await expectOutsideUntouched();
    });

    it('rejects a hard link to /etc/passwd', async () => {
      await expectRejected(archive(T.hardlink('passwd', '/etc/passwd')), UnsafeArchiveError, /^passwd: hard link target is absolute/);
    });

    it('rejects a hard link to ../outside', async () => {
      await expectRejected(archive(T.hardlink('x', '../sentinel/target')), UnsafeArchiveError, /hard link target contains a "\.\." component/);
    });

    it('rejects a hard link whose target is reached through a symlink', async () => {
      await expectRejected(
        archive(T.symlink('s', sentinel), T.hardlink('x', 's/target')),
        UnsafeArchiveError,
        /^x: path traverses a symlink \("s"\)/,
      );
    });

    it('a hard link to a symlink pointing outside links the symlink itself', async () => {
      await extract(archive(T.symlink('out', path.join(sentinel, 'target')), T.hardlink('hl', 'out'), T.file('hl', 'overwrite?')));
      // the later file entry replaced the link; nothing was written through it
      expect(await fsp.readFile(D('hl'), 'utf8')).toBe('overwrite?');
      await expectOutsideUntouched();
      await fsp.rm(D('hl'));
      await extract(archive(T.symlink('out2', path.join(sentinel, 'target')), T.hardlink('hl2', 'out2')));
      const st = await fsp.lstat(D('hl2'));
      expect(st.isSymbolicLink()).toBe(true);
      expect(st.ino).toBe((await fsp.lstat(D('out2'))).ino);
      await expectOutsideUntouched();
    });

    it('rejects a hard link to a file that is not from this archive', async () => {
      await fsp.writeFile(D('preexisting'), 'x');
      await expectRejected(archive(T.hardlink('x', 'preexisting')), UnsafeArchiveError, /is not an entry extracted from this archive/);
      await expectRejected(archive(T.hardlink('x', 'missing')), UnsafeArchiveError, /hard link target "missing" does not exist/);
      await expectRejected(archive(T.dir('d/'), T.hardlink('x', 'd')), UnsafeArchiveError, /is a directory/);
    });

    it('rejects an entry below a non-directory', async () => {
      await expectRejected(archive(T.file('f', 'x'), T.file('f/g', 'y')), UnsafeArchiveError, /^f\/g: parent "f" is not a directory/);
      await expectRejected(archive(T.fifo('p'), T.file('p/g', 'y')), UnsafeArchiveError, /^p\/g: parent "p" is not a directory/);
    });

    it('rejects replacing the extraction root', async () => {
      await expectRejected(archive(T.symlink('./', '/')), UnsafeArchiveError, /would replace the extraction root with a symlink/);
    });

    it('a layer cannot write through a symlink placed by an earlier layer', async () => {
      await extract(archive(T.symlink('etc', path.join(sentinel, 'sub')), T.symlink('rel', '../sentinel')), { whiteouts: true });
      await expectRejected(archive(T.file('etc/passwd', 'evil')), UnsafeArchiveError, /^etc\/passwd: path traverses a symlink \("etc"\)/, {
        whiteouts: true,
      });
      await expectRejected(archive(T.hardlink('x', 'etc/passwd')), UnsafeArchiveError, /path traverses a symlink/, { whiteouts: true });
      await expectRejected(archive(T.file('rel/target', 'evil')), UnsafeArchiveError, /path traverses a symlink/, { whiteouts: true });
      // a whiteout through the symlink is ignored (never followed)
      const r = await extract(archive(T.file('etc/.wh.passwd', ''), T.file('rel/.wh..wh..opq', '')), { whiteouts: true });
      expect(r.warnings.join('\n')).toMatch(/whiteout ignored: its directory traverses a symlink/);
      await expectOutsideUntouched();
      // replacing the symlink by a directory is fine
      await extract(archive(T.dir('etc/'), T.file('etc/passwd', 'mine')), { whiteouts: true });
      expect(await fsp.readFile(D('etc/passwd'), 'utf8')).toBe('mine');
      await expectOutsideUntouched();
    });

    it('rejects whiteouts whose name escapes', async () => {
      await expectRejected(archive(T.file('.wh...', '')), UnsafeArchiveError, /invalid whiteout name "\.wh\.\.\."/, { whiteouts: true });
      await expectRejected(archive(T.file('a/.wh..', '')), UnsafeArchiveError, /invalid whiteout name/, { whiteouts: true });
      await expectRejected(archive(T.file('a/.wh.', '')), UnsafeArchiveError, /invalid whiteout name/, { whiteouts: true });
      await expectRejected(archive(T.file('../.wh.x', '')), UnsafeArchiveError, /\.\./, { whiteouts: true });
    });

    it('with whiteouts, rejects hostile paths before removing anything', async () => {
      await fsp.writeFile(D('victim'), 'lower');
      await expectRejected(archive(T.file('.wh.victim', ''), T.file('../x', '')), UnsafeArchiveError, /\.\./, { whiteouts: true });
      expect(await fsp.readFile(D('victim'), 'utf8')).toBe('lower');
    });
  });

  describe('layers and whiteouts', () => {
    it('applies .wh.<name> and opaque markers (even after their siblings) against lower layers only', async () => {
      await extract(
        archive(
          T.dir('a/'),
          T.file('a/f1', '1'),
          T.file('a/f2', '2'),
          T.dir('a/sub/'),
          T.file('a/sub/g', 'g'),
          T.file('b/keep', 'keep'),
          T.file('b/gone', 'gone'),
          T.dir('c/'),
          T.file('c/deep/x', 'x'),
          T.file('e', 'e'),
          T.symlink('s', '/etc'),
        ),
        { whiteouts: true },
      );
      const r = await extract(
        archive(
          T.dir('a/', { mode: 0o710 }),
          T.file('a/new', 'new'),
          T.file('a/sub/h', 'h'),
          T.file('a/.wh..wh..opq', ''), // after its siblings
          T.file('b/.wh.gone', ''),
          T.file('.wh.c', ''),
          T.file('.wh.s', ''),
          T.file('.wh.missing', ''),
          T.file('nothere/.wh.x', ''),
          T.dir('.wh..wh.plnk/'),
          T.file('e', 'layer2'),
        ),
        { whiteouts: true },
      );
      expect((await fsp.readdir(D('a'))).sort()).toEqual(['new', 'sub']);
      expect(await fsp.readdir(D('a/sub'))).toEqual(['h']);
      expect((await fsp.stat(D('a'))).mode & 0o777).toBe(0o710);
      expect(await fsp.readdir(D('b'))).toEqual(['keep']);
      expect(fs.existsSync(D('c'))).toBe(false);
      expect(fs.existsSync(D('s'))).toBe(false);
      expect(await fsp.readFile(D('e'), 'utf8')).toBe('layer2');
      expect((await fsp.readdir(dest)).sort()).toEqual(['a', 'b', 'e']);
      expect(r.warnings.join('\n')).toMatch(/aufs metadata entry skipped/);
      await expectOutsideUntouched();
    });

    it('an opaque marker at the root empties dest', async () => {
      await fsp.writeFile(D('old'), 'x');
      await fsp.mkdir(D('olddir'));
      await extract(archive(T.file('new', 'n'), T.file('.wh..wh..opq', '')), { whiteouts: true });
      expect(await fsp.readdir(dest)).toEqual(['new']);
    });

    it('layers may hard-link to regular files of lower layers', async () => {
      await extract(archive(T.file('usr/bin/python3.12', 'py')), { whiteouts: true });
      await extract(archive(T.hardlink('usr/bin/python3', 'usr/bin/python3.12')), { whiteouts: true });
      expect((await fsp.stat(D('usr/bin/python3'))).ino).toBe((await fsp.stat(D('usr/bin/python3.12'))).ino);
    });

    it('whiteouts work with gzip layers too', async () => {
      await fsp.writeFile(D('x'), 'x');
      await extract(zlib.gzipSync(archive(T.file('y', 'y'), T.file('.wh.x', ''))), { whiteouts: true });
      expect(await fsp.readdir(dest)).toEqual(['y']);
    });
  });

  describe('format errors and limits', () => {
    const good = (): Buffer => archive(T.file('a', 'x'.repeat(3000)), T.file('b', 'y'));

    it('rejects an archive truncated inside file data', async () => {
      await expectRejected(good().subarray(0, 512 + 1000), ArchiveFormatError, /^truncated tar archive: a lacks 2000 bytes of data$/);
    });

    it('rejects an archive truncated inside a header', async () => {
      const g = good();
      await expectRejected(g.subarray(0, 512 + 3072 + 100), ArchiveFormatError, /truncated tar archive: incomplete header at offset 3584/);
    });

    it('rejects a PAX header without its entry', async () => {
      await expectRejected(T.pax({ path: 'x' }), ArchiveFormatError, /truncated tar archive/);
    });

    it('accepts a missing end-of-archive marker with a warning', async () => {
      const r = await extract(good().subarray(0, good().length - 1024));
      expect(r.warnings).toEqual(['tar archive has no end-of-archive marker']);
    });

    it('rejects bad header checksums and non-tar data', async () => {
      await expectRejected(archive(T.file('a', 'x'), header({ name: 'b', badChecksum: true })), ArchiveFormatError, /invalid tar header checksum at offset 1024/);
      await expectRejected(Buffer.from('hello world, not a tar'.repeat(40)), ArchiveFormatError, /not a tar archive/);
      await expectRejected(Buffer.alloc(0), ArchiveFormatError, /empty archive/);
    });

    it('rejects a lone zero block followed by data', async () => {
      await expectRejected(Buffer.concat([T.file('a', 'x'), Buffer.alloc(512), T.file('b', 'y'), T.end()]), ArchiveFormatError, /single zero block/);
    });

    it('rejects malformed PAX records', async () => {
      const bad = Buffer.concat([header({ name: 'p', type: 'x', size: 12 }), pad(Buffer.from('99 path=abc\n'))]);
      await expectRejected(archive(bad, T.file('x', '')), ArchiveFormatError, /malformed PAX extended header/);
    });

    it('bounds extended headers (memory)', async () => {
      const big = 'x'.repeat(1 << 20);
      const many = Array.from({ length: 6 }, (_, i) => [T.pax({ [`k${i}`]: big }, 'g'), T.file(`f${i}`, '')]).flat();
      await expectRejected(archive(...many, T.file('a', '')), ArchiveFormatError, /global PAX headers exceed/);
      const local = Array.from({ length: 6 }, (_, i) => T.pax({ [`k${i}`]: big }));
      await expectRejected(archive(...local, T.file('a', '')), ArchiveFormatError, /extended headers before offset \d+ exceed/);
    });

    it('rejects sparse files explicitly', async () => {
      await expectRejected(archive(header({ name: 'sp', type: 'S', format: 'gnu' })), ArchiveFormatError, /sparse files are not supported/);
    });

    it('extracts gzip-compressed archives (detected by magic, not name)', async () => {
      const r = await extract(zlib.gzipSync(good()));
      expect(await fsp.readFile(D('a'), 'utf8')).toBe('x'.repeat(3000));
      expect(r.bytes).toBe(good().length);
    });

    it('rejects corrupt and truncated gzip', async () => {
      const gz = zlib.gzipSync(good());
      const corrupt = Buffer.from(gz);
      corrupt[20] ^= 0xff;
      corrupt[21] ^= 0xff;
      await expectRejected(corrupt, ArchiveFormatError, /corrupt gzip data|truncated/);
      await expectRejected(gz.subarray(0, gz.length - 20), ArchiveFormatError, /truncated gzip stream/);
      const badCrc = Buffer.from(gz);
      badCrc[badCrc.length - 6] ^= 0xff; // CRC32 trailer
      await expectRejected(badCrc, ArchiveFormatError, /corrupt gzip data/);
    });

    it('does not re-sniff compression inside a decompressed stream', async () => {
      await expectRejected(zlib.gzipSync(zlib.gzipSync(good())), ArchiveFormatError, /not a tar archive .*gzip-compressed again/);
    });

    it('enforces the decompression bound (gzip bomb)', async () => {
      const bomb = zlib.gzipSync(archive(T.file('zeros', Buffer.alloc(20 << 20))), { level: 9 });
      expect(bomb.length).toBeLessThan(100_000);
      await expectRejected(bomb, ArchiveLimitError, /^archive expands beyond the limit of 1048576 bytes$/, { maxDecompressedBytes: 1 << 20 });
      const st = await fsp.stat(D('zeros'));
      expect(st.size).toBeLessThanOrEqual(1 << 20);
    });

    it('enforces the bound on plain archives, exactly', async () => {
      const g = good();
      await expect(extract(g, { maxDecompressedBytes: g.length })).resolves.toBeTruthy();
      await fsp.rm(dest, { recursive: true });
      await fsp.mkdir(dest);
      await expectRejected(g, ArchiveLimitError, /expands beyond the limit/, { maxDecompressedBytes: g.length - 1 });
    });

    it('enforces maxEntries', async () => {
      await expectRejected(archive(T.file('1', ''), T.file('2', ''), T.file('3', '')), ArchiveLimitError, /more than 2 entries/, { maxEntries: 2 });
    });

    it('bounds onOtherEntry reads', async () => {
      await expectRejected(archive(T.file('manifest', 'x'.repeat(5000))), ArchiveLimitError, /exceeds the in-memory limit of 100 bytes/, {
        strip: 'rootfs',
        onOtherEntry: async (_p, e) => void (await e.read(100)),
      });
    });

    it.skipIf(!have('zstd'))('extracts zstd-compressed archives, as the zstd command writes them; rejects truncated ones', async () => {
      const file = await writeArchive(good(), 'z.tar');
      await execFileP('zstd', ['-q', file, '-o', `${file}.zst`]);
      const r = await extractTar(`${file}.zst`, opts());
      expect(await fsp.readFile(D('a'), 'utf8')).toBe('x'.repeat(3000));
      expect(r.bytes).toBe(good().length);
      const zst = await fsp.readFile(`${file}.zst`);
      await expectRejected(zst.subarray(0, zst.length - 10), ArchiveFormatError, /truncated zstd stream/);
    });

    it('rejects xz and bzip2 explicitly', async () => {
      await expectRejected(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2]), ArchiveFormatError, /xz-compressed archives are not supported/);
      await expectRejected(Buffer.from('BZh91AY&SY'), ArchiveFormatError, /bzip2-compressed/);
    });
  });

  describe.runIf(process.env['RKT_TAR_BENCH'])('benchmark', () => {
    it('~100 MB of many files vs GNU tar', { timeout: 600_000 }, async () => {
      // a rootfs-like tree: ~15k small files (0-12 KiB), 30 of 1 MiB, dirs of 40 entries, symlinks
      const src = path.join(base, 'archives', 'bench-src');
      let total = 0;
      let files = 0;
      for (let d = 0; total < 100e6; d++) {
        const dir = path.join(src, `d${d % 50}`, `s${d}`);
        await fsp.mkdir(dir, { recursive: true });
        for (let i = 0; i < 40; i++) {
          const size = files % 500 === 0 ? 1 << 20 : Math.floor(Math.random() * 12288);
          await fsp.writeFile(path.join(dir, `f${i}`), randomBytes(size));
          total += size;
          files++;
        }
        await fsp.symlink('f0', path.join(dir, 'link'));
      }
      const file = path.join(base, 'archives', 'bench.tar');
      await execFileP('tar', ['-cf', file, '-C', src, '.']);
      await fsp.rm(src, { recursive: true });
      const size = (await fsp.stat(file)).size;
      const gz = `${file}.gz`;
      await execFileP('sh', ['-c', `gzip -1 -c ${file} > ${gz}`]);
      const runs: Record<string, number> = {};
      const time = async (label: string, f: () => Promise<unknown>): Promise<void> => {
        const out = path.join(base, 'archives', `out-${label}`);
        await fsp.mkdir(out);
        await execFileP('sync');
        const t0 = process.hrtime.bigint();
        await f().then(() => undefined, (e: unknown) => Promise.reject(e));
        runs[label] = Number(process.hrtime.bigint() - t0) / 1e9;
        await fsp.rm(out, { recursive: true });
      };
      const out = (label: string): string => path.join(base, 'archives', `out-${label}`);
      for (let round = 0; round < 3; round++) {
        await time(`gnutar-${round}`, () => execFileP('tar', ['-xpf', file, '-C', out(`gnutar-${round}`)]));
        await time(`extractTar-${round}`, () => extractTar(file, { dest: out(`extractTar-${round}`), specialFiles: special.fn }));
        await time(`gnutar-gz-${round}`, () => execFileP('tar', ['-xzpf', gz, '-C', out(`gnutar-gz-${round}`)]));
        await time(`extractTar-gz-${round}`, () => extractTar(gz, { dest: out(`extractTar-gz-${round}`), specialFiles: special.fn }));
        await time(`extractTar-layer-${round}`, () =>
          extractTar(file, { dest: out(`extractTar-layer-${round}`), specialFiles: special.fn, whiteouts: true }),
        );
      }
      const mb = size / 1e6;
      const report = Object.entries(runs).map(([k, s]) => `${k}: ${s.toFixed(2)} s, ${(mb / s).toFixed(0)} MB/s`);
      console.log(`archive: ${mb.toFixed(1)} MB, ${files} files\n${report.join('\n')}`);
    });
  });
});

if (!IS_ROOT) {
  describe('extractTar', () => {
    it.skip('skipped: these tests need root (lchown to other users, mknod)', () => {});
  });
}

if (!XATTR_TOOL || !HAVE_PYTHON) {
  describe('xattrs', () => {
    it.skip('skipped: neither setfattr (apt package "attr") nor python3 is available to set and read xattrs', () => {});
  });
}
