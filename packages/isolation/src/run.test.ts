import { closeSync, existsSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import {
  TmpDirs,
  ensureBuilt,
  helper,
  killIfAlive,
  makeBusyboxRoot,
  mountsBelow,
  run,
  start,
  waitFor,
  type Result,
} from '../test/helpers.js';
import { SpecBuilder, writeSpec } from './index.js';

const tmp = new TmpDirs();
let pids: number[] = [];

beforeAll(() => ensureBuilt());
afterEach(async () => {
  for (const p of pids) killIfAlive(p);
  pids = [];
  await tmp.cleanup();
});

interface Pod {
  dir: string;
  root: string;
  spec: SpecBuilder;
}

/** A temp dir with a busybox rootfs in <dir>/root and a spec starting with `mount-ns` and `root`. */
function pod(opts: { mountNs?: boolean } = {}): Pod {
  const dir = tmp.make();
  const root = makeBusyboxRoot(join(dir, 'root'));
  const spec = new SpecBuilder();
  if (opts.mountNs !== false) spec.directive('mount-ns');
  spec.directive('root', root);
  return { dir, root, spec };
}

function specFile(p: Pod, name = 'spec'): string {
  const f = join(p.dir, name);
  writeSpec(f, p.spec);
  return f;
}

function runPod(p: Pod, mode: 'run' | 'enter' = 'run', env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return run(helper, [mode, specFile(p)], { env });
}

const sh = (script: string) => ['/bin/sh', 'sh', '-c', script] as const;

describe('rkt-isolation run', () => {
  it('runs exec with its argv and exactly the given environment, searching the app PATH', async () => {
    const p = pod();
    p.spec.directive('env', 'PATH=/bin').directive('env', 'FOO=bar baz\nqux').directive('exec', 'env', 'env');
    const r = await runPod(p, 'run', { ...process.env, SECRET_OF_THE_HELPER: 'x' });
    expect(r).toMatchObject({ status: 0, stderr: '', stdout: 'PATH=/bin\nFOO=bar baz\nqux\n' });

    const q = pod();
    q.spec.directive('exec', ...sh('printf "%s|" "$0" "$1" "$2"'), 'zero', 'one two', '%x\t');
    expect(await runPod(q)).toMatchObject({ status: 0, stdout: 'zero|one two|%x\t|' });
  });

  it('sets uid, gid and supplementary groups, and the working directory', async () => {
    const p = pod();
    p.spec
      .directive('proc', '/proc')
      .directive('mkdir', '/work/dir', 0o751)
      .directive('uid', 1000)
      .directive('gid', 1001)
      .directive('groups', '2000,2001')
      .directive('cwd', '/work/dir')
      .directive('exec', ...sh('grep -E "^(Uid|Gid|Groups):" /proc/self/status; pwd; stat -c %a /work/dir'));
    const r = await runPod(p);
    expect(r.stderr).toBe('');
    expect(r.stdout.replace(/[ \t]+/g, ' ')).toBe(
      'Uid: 1000 1000 1000 1000\nGid: 1001 1001 1001 1001\nGroups: 2000 2001 \n/work/dir\n751\n',
    );
    expect(r.status).toBe(0);

    const q = pod();
    q.spec.directive('proc', '/proc').directive('groups', '-').directive('exec', ...sh('grep -E "^(Uid|Groups):" /proc/self/status'));
    expect((await runPod(q)).stdout.replace(/[ \t]+/g, ' ')).toBe('Uid: 0 0 0 0\nGroups: \n');

    const c = pod();
    c.spec.directive('cwd', '/nope').directive('exec', '/bin/true');
    expect(await runPod(c)).toMatchObject({
      status: 254,
      stderr: 'stage1: cannot change to the working directory /nope: No such file or directory\n',
    });
  });

  it('binds read-only and read-write', async () => {
    const p = pod();
    mkdirSync(join(p.dir, 'ro'));
    mkdirSync(join(p.dir, 'rw'));
    writeFileSync(join(p.dir, 'ro/f'), 'ro-content');
    writeFileSync(join(p.dir, 'file'), 'single file');
    p.spec
      .directive('bind', join(p.dir, 'ro'), '/mnt/ro', 'ro')
      .directive('bind', join(p.dir, 'rw'), '/mnt/rw', 'rw')
      .directive('bind', join(p.dir, 'file'), '/etc/some/file', 'ro')
      .directive('bind', join(p.dir, 'missing'), '/mnt/missing', 'optional')
      .directive(
        'exec',
        ...sh('cat /mnt/ro/f; echo; cat /etc/some/file; echo; touch /mnt/ro/x 2>&1; echo w > /mnt/rw/y; echo changed > /etc/some/file || echo file-ro'),
      );
    const r = await runPod(p);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('ro-content\nsingle file\ntouch: /mnt/ro/x: Read-only file system\nfile-ro\n');
    expect(readFileSync(join(p.dir, 'rw/y'), 'utf8')).toBe('w\n');
    expect(existsSync(join(p.dir, 'ro/x'))).toBe(false);
    expect(existsSync(join(p.root, 'mnt/missing'))).toBe(false);
    expect(readFileSync(join(p.root, 'etc/some/file'), 'utf8')).toBe(''); // the empty mount point
  });

  for (const legacy of [false, true]) {
    it(`binds recursively or not, and read-only recursively${legacy ? ' (legacy mount API)' : ''}`, async () => {
      const p = pod();
      const src = join(p.dir, 'src');
      mkdirSync(join(src, 'sub'), { recursive: true });
      const m = await run('mount', ['-t', 'tmpfs', 'rkt-iso-test', join(src, 'sub')]);
      expect(m.status).toBe(0);
      writeFileSync(join(src, 'sub/file'), 'in submount');
      p.spec
        .directive('bind', src, '/nr')
        .directive('bind', src, '/rec', 'rec')
        .directive('bind', src, '/recro', 'rec,ro')
        .directive(
          'exec',
          ...sh(
            'cat /nr/sub/file 2>/dev/null || echo nr-empty; cat /rec/sub/file; echo; ' +
              'echo a > /rec/sub/a && echo rec-rw; echo b > /recro/sub/b || echo sub-ro; echo c > /recro/c || echo top-ro',
          ),
        );
      const r = await runPod(p, 'run', legacy ? { ...process.env, RKT_ISOLATION_LEGACY_MOUNT: '1' } : process.env);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('nr-empty\nin submount\nrec-rw\nsub-ro\ntop-ro\n');
      expect(r.stderr).toContain('Read-only file system');
      expect(existsSync(join(src, 'sub/a'))).toBe(true);
      expect(existsSync(join(src, 'sub/b'))).toBe(false);
    });
  }

  it('keeps symlinked mount targets inside the root', async () => {
    const p = pod();
    const tag = `rkt-iso-${process.pid}-${Date.now()}`;
    mkdirSync(join(p.root, 'dir1'));
    mkdirSync(join(p.root, 'dir2/deep'), { recursive: true });
    symlinkSync('/', join(p.root, 'dir1/link'));
    symlinkSync('../../../../../..', join(p.root, 'dir2/deep/up'));
    symlinkSync('/../../..', join(p.root, 'dir1/abs'));
    symlinkSync(`../../../${tag}-f`, join(p.root, 'dir1/flink'));
    symlinkSync('loop2', join(p.root, 'loop1'));
    symlinkSync('loop1', join(p.root, 'loop2'));
    const src = join(p.dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'data'), 'data');
    writeFileSync(join(p.dir, 'hostfile'), 'hostfile');
    p.spec
      .directive('bind', src, `/dir1/link/${tag}-1`)
      .directive('bind', src, `/dir2/deep/up/${tag}-2`)
      .directive('bind', src, `/dir1/abs/../${tag}-3`)
      .directive('bind', join(p.dir, 'hostfile'), '/dir1/flink')
      .directive('exec', ...sh(`cat /${tag}-1/data /${tag}-2/data /${tag}-3/data /${tag}-f`));
    const r = await runPod(p);
    expect(r).toMatchObject({ status: 0, stdout: 'datadatadatahostfile', stderr: '' });
    for (const n of ['1', '2', '3', 'f']) {
      expect(existsSync(join(p.root, `${tag}-${n}`))).toBe(true);
      expect(existsSync(`/${tag}-${n}`)).toBe(false);
      expect(existsSync(join(tmpdir(), `${tag}-${n}`))).toBe(false);
      expect(existsSync(join(p.dir, `${tag}-${n}`))).toBe(false);
    }

    const q = pod();
    mkdirSync(join(q.dir, 'src'));
    symlinkSync('loop2', join(q.root, 'loop1'));
    symlinkSync('loop1', join(q.root, 'loop2'));
    q.spec.directive('bind', join(q.dir, 'src'), '/loop1/x').directive('exec', '/bin/true');
    const l = await runPod(q);
    expect(l.status).toBe(254);
    expect(l.stderr).toBe('stage1: resolving /loop1/x: Too many levels of symbolic links\n');
  });

  it('reports file/directory mismatches and missing sources', async () => {
    const p = pod();
    mkdirSync(join(p.dir, 'src'));
    writeFileSync(join(p.root, 'etc/afile'), '');
    p.spec.directive('bind', join(p.dir, 'src'), '/etc/afile').directive('exec', '/bin/true');
    expect(await runPod(p)).toMatchObject({
      status: 254,
      stderr: 'stage1: mount target /etc/afile is a file but the source is a directory\n',
    });

    const q = pod();
    writeFileSync(join(q.dir, 'f'), '');
    q.spec.directive('bind', join(q.dir, 'f'), '/etc').directive('exec', '/bin/true');
    expect(await runPod(q)).toMatchObject({
      status: 254,
      stderr: 'stage1: mount target /etc is a directory but the source is a file\n',
    });

    const m = pod();
    m.spec.directive('bind', '/nonexistent/volume', '/mnt').directive('exec', '/bin/true');
    expect(await runPod(m)).toMatchObject({
      status: 254,
      stderr: 'stage1: Failed to stat /nonexistent/volume: No such file or directory\n',
    });
  });

  it('writes pid, pgid and status files and exits with the app code', async () => {
    const p = pod();
    const [pidf, pgidf, statusf] = ['pid', 'pgid', 'status'].map((n) => join(p.dir, n)) as [string, string, string];
    p.spec
      .directive('proc', '/proc')
      .directive('pid-file', pidf)
      .directive('pgid-file', pgidf)
      .directive('status-file', statusf)
      .directive('exec', ...sh('echo $$; cat /proc/self/stat; exit 7'));
    const s = start(helper, ['run', specFile(p)], { detached: true });
    const r = await s.done;
    expect(r.status).toBe(7);
    const [apid, stat] = r.stdout.split('\n') as [string, string];
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    expect(readFileSync(pidf, 'utf8')).toBe(`${apid}\n`);
    expect(Number(apid)).not.toBe(s.pid);
    expect(readFileSync(pgidf, 'utf8')).toBe(`${s.pid}\n`); // detached: the helper leads its group
    expect(pgrp).toBe(s.pid); // the app stays in the helper's process group
    expect(readFileSync(statusf, 'utf8')).toBe('7\n');

    const k = pod();
    k.spec.directive('status-file', join(k.dir, 'status')).directive('exec', ...sh('kill -9 $$'));
    expect((await runPod(k)).status).toBe(137);
    expect(readFileSync(join(k.dir, 'status'), 'utf8')).toBe('137\n');
  });

  it('execs in place when nothing needs supervising', async () => {
    const p = pod();
    p.spec.directive('pgid-file', join(p.dir, 'pgid')).directive('exec', ...sh('echo $$; exit 3'));
    const s = start(helper, ['run', specFile(p)]);
    const r = await s.done;
    expect(r).toMatchObject({ status: 3, stdout: `${s.pid}\n` });
    const ourPgrp = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[2];
    expect(readFileSync(join(p.dir, 'pgid'), 'utf8')).toBe(`${ourPgrp}\n`); // not detached: our group
  });

  it('fails to exec with 203 and rkt\'s message', async () => {
    const p = pod();
    p.spec.directive('status-file', join(p.dir, 'status')).directive('exec', '/nonexistent', 'x');
    expect(await runPod(p)).toMatchObject({
      status: 203,
      stdout: '',
      stderr: 'Error: Unable to open "/nonexistent": No such file or directory\n',
    });
    expect(readFileSync(join(p.dir, 'status'), 'utf8')).toBe('203\n');

    const q = pod();
    q.spec.directive('env', 'PATH=/usr/bin:/bin').directive('exec', 'no-such-command');
    expect(await runPod(q)).toMatchObject({
      status: 203,
      stderr: 'Error: Unable to open "no-such-command": No such file or directory\n',
    });

    const x = pod();
    writeFileSync(join(x.root, 'bin/notexec'), '#!/bin/sh\n', { mode: 0o644 });
    x.spec.directive('env', 'PATH=/bin').directive('exec', 'notexec');
    expect(await runPod(x)).toMatchObject({ status: 203, stderr: 'Error: Unable to open "notexec": Permission denied\n' });
  });

  it('keeps its mounts off the host, forwards signals and holds the lock fd', async () => {
    const p = pod();
    mkdirSync(join(p.dir, 'rw'));
    const lockDir = join(p.dir, 'lockdir');
    mkdirSync(lockDir);
    const statusf = join(p.dir, 'status');
    p.spec
      .directive('proc', '/proc')
      .directive('tmpfs', '/tmp', 'mode=1777,nosuid')
      .directive('bind', join(p.dir, 'rw'), '/rw')
      .directive('lock-fd', 3)
      .directive('env', 'RKT_LOCK_FD=3')
      .directive('env', 'KEEP=1')
      .directive('status-file', statusf)
      .directive('stdin', 'null')
      .directive(
        'exec',
        ...sh('cat /proc/$$/environ > /rw/env; ls /proc/$$/fd > /rw/fds; readlink /proc/$PPID/fd/3 > /rw/lock; cat > /rw/stdin; touch /rw/started; exec sleep 30'),
      );
    const fd = openSync(lockDir, 'r');
    let s;
    try {
      s = start(helper, ['run', specFile(p)], { stdio: ['pipe', 'pipe', 'pipe', fd] });
    } finally {
      closeSync(fd);
    }
    pids.push(s.pid);
    s.child.stdin!.write('not for the app\n');
    await waitFor(() => existsSync(join(p.dir, 'rw/started')), 'the app');
    expect(mountsBelow(p.dir)).toEqual([]);
    expect(readFileSync(join(p.dir, 'rw/env'), 'utf8')).toBe('KEEP=1\0');
    expect(readFileSync(join(p.dir, 'rw/fds'), 'utf8').split('\n')).not.toContain('3');
    expect(readFileSync(join(p.dir, 'rw/lock'), 'utf8')).toContain('lockdir');
    expect(readFileSync(join(p.dir, 'rw/stdin'), 'utf8')).toBe('');
    process.kill(s.pid, 'SIGTERM');
    const r = await s.done;
    expect(r).toMatchObject({ status: 143, signal: null });
    expect(readFileSync(statusf, 'utf8')).toBe('143\n');
    expect(mountsBelow(p.dir)).toEqual([]);
  });

  it('mounts overlays, escaping : and , in paths', async () => {
    const dir = tmp.make();
    const lower = join(dir, 'low:er,1');
    const lower2 = join(dir, 'lower2');
    makeBusyboxRoot(lower);
    mkdirSync(lower2);
    writeFileSync(join(lower2, 'from-lower2'), 'l2');
    writeFileSync(join(lower, 'from-lower'), 'l1');
    const merged = join(dir, 'merged');
    const upper = join(dir, 'up,p:er');
    const spec = new SpecBuilder()
      .directive('mount-ns')
      .directive('overlay', merged, upper, join(dir, 'wo:rk'), lower, lower2)
      .directive('root', merged)
      .directive('exec', ...sh('cat /from-lower /from-lower2; echo new > /newfile; rm /from-lower'));
    const f = join(dir, 'spec');
    writeSpec(f, spec);
    const r = await run(helper, ['run', f]);
    expect(r).toMatchObject({ status: 0, stdout: 'l1l2', stderr: '' });
    expect(readFileSync(join(upper, 'newfile'), 'utf8')).toBe('new\n');
    expect(existsSync(join(lower, 'from-lower'))).toBe(true);
    expect(mountsBelow(dir)).toEqual([]);
  });

  it('mounts tmpfs with flags, creates directories and symlinks, mounts read-only overlays', async () => {
    const p = pod();
    symlinkSync('/already', join(p.root, 'etc/existing'));
    p.spec
      .directive('tmpfs', '/tmp', 'mode=1777,nosuid,nodev,size=1m')
      .directive('proc', '/proc')
      .directive('mkdir', '/run/lock', 0o1755)
      .directive('symlink', '../run/lock', '/etc/lock link')
      .directive('symlink', '/other', '/etc/existing')
      .directive('exec', ...sh('stat -c %a /tmp /run/lock; readlink "/etc/lock link"; readlink /etc/existing; grep " /tmp " /proc/self/mountinfo | cut -d" " -f6'));
    const r = await runPod(p);
    expect(r).toMatchObject({ status: 0, stderr: '', stdout: '1777\n1755\n../run/lock\n/already\nrw,nosuid,nodev,relatime\n' });

    const dir = tmp.make();
    const [l1, l2] = [join(dir, 'l1'), join(dir, 'l2')];
    makeBusyboxRoot(l1);
    mkdirSync(l2);
    writeFileSync(join(l2, 'f'), 'l2');
    const spec = new SpecBuilder()
      .directive('mount-ns')
      .directive('overlay', join(dir, 'merged'), '-', '-', l1, l2)
      .directive('root', join(dir, 'merged'))
      .directive('exec', ...sh('cat /f; touch /new 2>/dev/null || echo read-only'));
    writeSpec(join(dir, 'spec'), spec);
    expect(await run(helper, ['run', join(dir, 'spec')])).toMatchObject({ status: 0, stdout: 'l2read-only\n' });
  });

  it('validates the whole spec first, naming the line', async () => {
    const dir = tmp.make();
    const f = join(dir, 'spec');
    const cases: [string, string][] = [
      ['version 1\nroot /\n# comment\n\nfrobnicate x\nexec /bin/true\n', `${f}:5: unknown directive "frobnicate"`],
      ['version 1\nroot /\n', `${f}: missing exec directive`],
      ['root /\nexec /bin/true\n', `${f}: missing "version 1" directive`],
      ['version 2\n', `${f}:1: unsupported spec version "2" (this helper reads version 1)`],
      ['version 1\nroot /\nexec /bin/true\nuid x\n', `${f}:4: uid: invalid number "x"`],
      ['version 1\nroot /\nexec /bin/true%zz\n', `${f}:3: field 2: invalid percent-encoding (or an encoded NUL byte)`],
      ['version 1\nroot relative\nexec /bin/true\n', `${f}:2: root: path "relative" must be absolute`],
      ['version 1\nroot /\nbind /a /b sideways\nexec /bin/true\n', `${f}:3: bind: unknown option "sideways"`],
      ['version 1\nroot /\njoin-mount-ns 1\nexec /bin/true\n', `${f}:3: join-mount-ns is only valid with "rkt-isolation enter"`],
      ['version 1\nroot /\nlock-fd 999\nexec /bin/true\n', `${f}:3: lock-fd: file descriptor 999 is not open`],
      ['version 1\nroot /\nmount-ns extra\nexec /bin/true\n', `${f}:3: mount-ns takes 0 arguments, got 1`],
    ];
    for (const [text, msg] of cases) {
      writeFileSync(f, text);
      expect(await run(helper, ['run', f])).toMatchObject({ status: 254, stdout: '', stderr: `rkt-isolation: ${msg}\n` });
    }
    expect(await run(helper, ['run', join(dir, 'none')])).toMatchObject({
      status: 254,
      stderr: `rkt-isolation: cannot read spec ${join(dir, 'none')}: No such file or directory\n`,
    });
  });
});

describe('rkt-isolation enter', () => {
  it('joins the mount namespace of a running app and execs in place', async () => {
    const p = pod();
    mkdirSync(join(p.dir, 'data'));
    writeFileSync(join(p.dir, 'data/file'), 'visible inside');
    const pidf = join(p.dir, 'pid');
    p.spec
      .directive('bind', join(p.dir, 'data'), '/data')
      .directive('pid-file', pidf)
      .directive('exec', '/bin/sleep', 'sleep', '30');
    const app = start(helper, ['run', specFile(p)]);
    pids.push(app.pid);
    await waitFor(() => existsSync(pidf), 'the pid file');
    const apid = Number(readFileSync(pidf, 'utf8'));
    expect(existsSync(join(p.root, 'data/file'))).toBe(false); // not on the host

    const e: Pod = { dir: p.dir, root: p.root, spec: new SpecBuilder() };
    e.spec
      .directive('join-mount-ns', apid)
      .directive('root', p.root)
      .directive('env', 'PATH=/bin')
      .directive('exec', 'sh', 'sh', '-c', 'cat /data/file; echo; echo $$; exit 5');
    const s = start(helper, ['enter', specFile(e, 'enter-spec')]);
    const r = await s.done;
    expect(r).toMatchObject({ status: 5, stdout: `visible inside\n${s.pid}\n`, stderr: '' });

    process.kill(app.pid, 'SIGTERM');
    expect((await app.done).status).toBe(143);
  });

  it('joins pid and uts namespaces, forking and proxying the exit status', async () => {
    const p = pod();
    const holder = start('unshare', ['--pid', '--uts', '--fork', 'sh', '-c', 'hostname rkt-iso-pod && exec sleep 30']);
    pids.push(holder.pid);
    const children = () => {
      try {
        return readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8').trim();
      } catch {
        return '';
      }
    };
    await waitFor(() => children() !== '' && readFileSync(`/proc/${children()}/comm`, 'utf8').trim() === 'sleep', 'the namespace holder');
    const target = Number(children());
    try {
      const e: Pod = { dir: p.dir, root: p.root, spec: new SpecBuilder() };
      e.spec
        .directive('join-ns', target, 'pid,uts')
        .directive('root', p.root)
        .directive('exec', ...sh('hostname; echo $$; exit 9'));
      const r = await run(helper, ['enter', specFile(e)]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(9);
      const [host, pid] = r.stdout.split('\n');
      expect(host).toBe('rkt-iso-pod');
      expect(Number(pid)).toBeLessThan(10); // a pid inside the joined namespace

      const k: Pod = { dir: p.dir, root: p.root, spec: new SpecBuilder() };
      k.spec.directive('join-ns', target, 'pid').directive('root', p.root).directive('exec', ...sh('kill -9 $$'));
      expect((await run(helper, ['enter', specFile(k, 'spec2')])).status).toBe(137);
    } finally {
      killIfAlive(target);
      await holder.done;
    }
  });
});
