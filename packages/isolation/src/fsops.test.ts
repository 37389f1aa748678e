import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { TmpDirs, ensureBuilt, helper, mountsBelow, run } from '../test/helpers.js';
import { runFsOps } from './index.js';

const tmp = new TmpDirs();
beforeAll(() => ensureBuilt());
afterEach(() => tmp.cleanup());

function getxattr(path: string, name: string): string | undefined {
  if (!existsSync('/usr/bin/python3')) return undefined;
  return execFileSync('/usr/bin/python3', ['-c', 'import os,sys; sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).hex())', path, name], {
    encoding: 'utf8',
  });
}

describe('rkt-isolation fsops', () => {
  it('creates device nodes and fifos with exact modes', async () => {
    const d = tmp.make();
    const res = await runFsOps([
      { op: 'mknod', path: join(d, 'null'), type: 'char', mode: 0o666, major: 1, minor: 3 },
      { op: 'mknod', path: join(d, 'loop dev'), type: 'block', mode: 0o660, major: 7, minor: 200 },
      { op: 'mkfifo', path: join(d, 'fifo'), mode: 0o620 },
      { op: 'mkfifo', path: join(d, 'fifo'), mode: 0o620 },
      { op: 'mkfifo', path: join(d, 'no/such/dir/fifo'), mode: 0o600 },
    ]);
    expect(res).toEqual([
      { ok: true },
      { ok: true },
      { ok: true },
      { ok: false, code: 'EEXIST', message: 'File exists' },
      { ok: false, code: 'ENOENT', message: 'No such file or directory' },
    ]);
    const n = statSync(join(d, 'null'));
    expect(n.isCharacterDevice()).toBe(true);
    expect(n.rdev).toBe(0x103);
    expect(n.mode & 0o7777).toBe(0o666);
    const b = statSync(join(d, 'loop dev'));
    expect(b.isBlockDevice()).toBe(true);
    expect(b.mode & 0o7777).toBe(0o660);
    const f = statSync(join(d, 'fifo'));
    expect(f.isFIFO()).toBe(true);
    expect(f.mode & 0o7777).toBe(0o620);
  });

  it('never follows a symlink in the last component', async () => {
    const d = tmp.make();
    symlinkSync(join(d, 'target-dev'), join(d, 'link1'));
    symlinkSync(join(d, 'target-fifo'), join(d, 'link2'));
    writeFileSync(join(d, 'file'), '');
    symlinkSync(join(d, 'file'), join(d, 'link3'));
    const res = await runFsOps([
      { op: 'mknod', path: join(d, 'link1'), type: 'char', mode: 0o666, major: 1, minor: 3 },
      { op: 'mkfifo', path: join(d, 'link2'), mode: 0o600 },
      { op: 'lchown', path: join(d, 'link3'), uid: 1234, gid: 5678 },
      { op: 'lchown', path: join(d, 'file'), uid: -1, gid: 42 },
    ]);
    expect(res.map((r) => (r.ok ? 'OK' : r.code))).toEqual(['EEXIST', 'EEXIST', 'OK', 'OK']);
    expect(existsSync(join(d, 'target-dev'))).toBe(false);
    expect(existsSync(join(d, 'target-fifo'))).toBe(false);
    const l = lstatSync(join(d, 'link3'));
    expect([l.uid, l.gid]).toEqual([1234, 5678]);
    const f = statSync(join(d, 'file'));
    expect([f.uid, f.gid]).toEqual([0, 42]);
  });

  it('sets extended attributes without following symlinks', async () => {
    const d = tmp.make();
    writeFileSync(join(d, 'file'), 'x');
    symlinkSync('file', join(d, 'link'));
    const res = await runFsOps([
      { op: 'setxattr', path: join(d, 'file'), name: 'user.rkt test', value: Buffer.from([0, 1, 0xfe, 0x41]) },
      { op: 'setxattr', path: join(d, 'file'), name: 'user.empty', value: Buffer.alloc(0) },
      { op: 'setxattr', path: join(d, 'link'), name: 'user.onlink', value: Buffer.from('v') },
      { op: 'setxattr', path: join(d, 'file'), name: 'bogus.ns', value: Buffer.from('v') },
    ]);
    expect(res[0]).toEqual({ ok: true });
    expect(res[1]).toEqual({ ok: true });
    // user.* xattrs are not allowed on symlinks: the link itself was targeted, not the file
    expect(res[2]).toMatchObject({ ok: false, code: 'EPERM' });
    expect(res[3]).toMatchObject({ ok: false, code: 'EOPNOTSUPP' });
    const v = getxattr(join(d, 'file'), 'user.rkt test');
    if (v !== undefined) {
      expect(v).toBe('0001fe41');
      expect(getxattr(join(d, 'file'), 'user.empty')).toBe('');
    }
  });

  it('unmounts a tree of nested mounts', async () => {
    const d = tmp.make();
    const top = join(d, 'top dir');
    mkdirSync(top);
    expect((await run('mount', ['-t', 'tmpfs', 'rkt-iso-test', top])).status).toBe(0);
    mkdirSync(join(top, 'a/b'), { recursive: true });
    mkdirSync(join(d, 'src'));
    expect((await run('mount', ['-t', 'tmpfs', 'rkt-iso-test', join(top, 'a')])).status).toBe(0);
    mkdirSync(join(top, 'a/b'));
    expect((await run('mount', ['--bind', join(d, 'src'), join(top, 'a/b')])).status).toBe(0);
    expect((await run('mount', ['-t', 'tmpfs', 'rkt-iso-test', join(top, 'a/b')])).status).toBe(0); // stacked
    expect(mountsBelow(top)).toHaveLength(4);
    const res = await runFsOps([
      { op: 'umount-tree', path: top },
      { op: 'umount-tree', path: top },
      { op: 'umount-tree', path: join(d, 'not-mounted') },
    ]);
    expect(res).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(mountsBelow(d)).toEqual([]);
  });

  it('umount-tree takes the last component literally and refuses /', async () => {
    const d = tmp.make();
    mkdirSync(join(d, 'real'));
    expect((await run('mount', ['-t', 'tmpfs', 'rkt-iso-test', join(d, 'real')])).status).toBe(0);
    symlinkSync('real', join(d, 'link'));
    symlinkSync('/', join(d, 'root-link'));
    const before = mountsBelow('/').length;
    const res = await runFsOps([
      { op: 'umount-tree', path: join(d, 'link') },
      { op: 'umount-tree', path: join(d, 'root-link') },
      { op: 'umount-tree', path: '/' },
      { op: 'umount-tree', path: `${d}/real/..` },
    ]);
    expect(res.map((r) => (r.ok ? 'OK' : r.code))).toEqual(['OK', 'OK', 'EINVAL', 'EINVAL']);
    expect(mountsBelow(join(d, 'real'))).toHaveLength(1);
    expect(mountsBelow('/').length).toBe(before);
    expect(await runFsOps([{ op: 'umount-tree', path: join(d, 'real') + '/' }])).toEqual([{ ok: true }]);
    expect(mountsBelow(d)).toEqual([]);
  });

  it('reports per-line errors and rejects malformed input', async () => {
    let r = await run('sh', ['-c', `printf 'frob x\\nmkfifo\\nlchown /x a b\\numount-tree relative\\n\\nmkfifo /nonexistent-dir/f 600' | ${helper} fsops`]);
    expect(r).toMatchObject({
      status: 0,
      stdout:
        'ERR\tEINVAL\tunknown%20operation\n' +
        'ERR\tEINVAL\tusage:%20mkfifo%20<path>%20<octal%20mode>\n' +
        'ERR\tEINVAL\tusage:%20lchown%20<path>%20<uid>%20<gid>\n' +
        'ERR\tEINVAL\tumount-tree:%20the%20path%20must%20be%20absolute\n' +
        'ERR\tENOENT\tNo%20such%20file%20or%20directory\n',
    });
    r = await run('sh', ['-c', `printf 'mkfifo /tmp/x%%zz 600\\nmkfifo /tmp/y 600\\n' | ${helper} fsops`]);
    expect(r).toMatchObject({ status: 254, stdout: 'ERR\tEINVAL\tmalformed%20input:%20bad%20percent-encoding\n' });
    await expect(runFsOps([{ op: 'mknod', path: '/x', type: 'char', mode: 0o600, major: -1, minor: 0 }])).rejects.toThrow(/major/);
    expect(await runFsOps([])).toEqual([]);
  });
});
