// The helper's pod modes, with real processes: the app isolation directives (caps,
// no-new-privs, seccomp, cgroup, oom-score-adj), `pod` (host side, then exec in place) and
// `init` (the pod's PID 1: several apps, exit codes, stop, event handlers).
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';

import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { TmpDirs, ensureBuilt, helper, killIfAlive, makeBusyboxRoot, mountsBelow, run, start, waitFor } from '../test/helpers.js';
import { SpecBuilder, writeSpec } from './index.js';

const tmp = new TmpDirs();
let pids: number[] = [];
const cgroups: string[] = [];

beforeAll(() => ensureBuilt());
afterEach(async () => {
  for (const p of pids) killIfAlive(p);
  pids = [];
  for (const cg of cgroups.splice(0)) {
    for (let i = 0; i < 50 && existsSync(cg); i++) {
      try {
        rmdirSync(cg);
      } catch {
        await new Promise((r) => setTimeout(r, 20)); // its last process is still exiting
      }
    }
  }
  await tmp.cleanup();
});

const sh = (script: string) => ['/bin/sh', 'sh', '-c', script] as const;

function status(text: string, field: string): string {
  return new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(text)?.[1] ?? '';
}

describe('app isolation directives (run)', () => {
  it('drops the bounding and inheritable sets, sets no_new_privs, installs seccomp, oom_score_adj', async () => {
    const dir = tmp.make();
    const root = makeBusyboxRoot(join(dir, 'root'));
    writeFileSync(join(dir, 'deny.list'), 'mkdir\nmkdirat\n  not_a_syscall\n');
    const spec = new SpecBuilder()
      .directive('mount-ns')
      .directive('root', root)
      .directive('proc', '/proc')
      .directive('caps', 'CAP_CHOWN,cap_kill')
      .directive('no-new-privs')
      .directive('seccomp-file', 'remove', 'ENOTSUP', join(dir, 'deny.list'))
      .directive('oom-score-adj', 321)
      .directive('exec', ...sh('cat /proc/self/status; cat /proc/self/oom_score_adj; mkdir /tmp/x 2>&1; echo mkdir=$?'));
    writeSpec(join(dir, 'spec'), spec);
    const r = await run(helper, ['run', join(dir, 'spec')]);
    expect(r.stderr).toBe('');
    expect(status(r.stdout, 'CapBnd')).toBe('0000000000000021');
    expect(status(r.stdout, 'CapInh')).toBe('0000000000000000');
    expect(status(r.stdout, 'NoNewPrivs')).toBe('1');
    expect(status(r.stdout, 'Seccomp')).toBe('2');
    expect(r.stdout).toMatch(/\n321\n/);
    expect(r.stdout).toMatch(/not supported\nmkdir=1\n$/);
  });

  it('kills on a seccomp violation without errno; joins cgroups; rejects bad values', async () => {
    const dir = tmp.make();
    const root = makeBusyboxRoot(join(dir, 'root'));
    const cg = `/sys/fs/cgroup/pids/rkt-iso-test-${process.pid}`;
    mkdirSync(cg);
    cgroups.push(cg);
    const spec = new SpecBuilder()
      .directive('mount-ns')
      .directive('root', root)
      .directive('proc', '/proc')
      .directive('cgroup', cg)
      .directive('seccomp', 'remove', 'kill', 'mkdir', 'mkdirat')
      .directive('exec', ...sh('grep pids /proc/self/cgroup; mkdir /tmp/y'));
    writeSpec(join(dir, 'spec'), spec);
    const r = await run(helper, ['run', join(dir, 'spec')]);
    expect(r.stdout).toMatch(new RegExp(`^[0-9]+:pids:/rkt-iso-test-${process.pid}\n$`));
    expect(r.signal).toBe('SIGSYS'); // the app replaced the helper (no supervisor), and busybox runs mkdir in-process

    for (const [d, msg] of [
      [['caps', 'CAP_NOPE'], 'caps: unknown capability "CAP_NOPE"'],
      [['seccomp', 'allow', 'kill', 'read'], 'seccomp: mode must be retain or remove'],
      [['seccomp', 'retain', 'EWHAT', 'read'], 'seccomp: unknown errno "EWHAT"'],
      [['oom-score-adj', '5000'], 'oom-score-adj: "5000" is not a number from -1000 to 1000'],
      [['pre-start', '/bin/true'], 'pre-start is not valid in a spec for rkt-isolation run'],
    ] as const) {
      const s = new SpecBuilder().directive('root', root).directive(d[0], ...d.slice(1)).directive('exec', '/bin/true');
      writeSpec(join(dir, 'bad'), s);
      const b = await run(helper, ['run', join(dir, 'bad')]);
      expect(b.status).toBe(254);
      expect(b.stderr).toContain(msg);
    }
  });
});

describe('rkt-isolation pod', () => {
  it('sets up its mounts in a namespace of its own, writes ppid and execs in place keeping the lock fd', async () => {
    const dir = tmp.make();
    const target = join(dir, 'target');
    mkdirSync(target);
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/file'), 'from src');
    const lockFile = join(dir, 'lock');
    writeFileSync(lockFile, '');
    const spec = new SpecBuilder()
      .directive('mount-ns')
      .directive('within', target)
      .directive('bind', join(dir, 'src'), '/in/here', 'ro')
      .directive('within', '-')
      .directive('lock-fd', 9)
      .directive('ppid-file', join(dir, 'ppid'))
      .directive('env', 'X=y z')
      .directive('exec', ...sh(`echo $$ "$X"; cat ${target}/in/here/file; echo; readlink /proc/self/fd/9; echo w > ${target}/in/here/w 2>&1 || echo ro`));
    writeSpec(join(dir, 'spec'), spec);
    // fd 9 is the "lock": a shell opens it for the helper.
    const r = await run('/bin/sh', ['-c', `exec 9<"${lockFile}"; exec ${helper} pod ${join(dir, 'spec')}`]);
    expect(r.stderr).toMatch(/Read-only file system/);
    const [pid, content, fd9, ro] = r.stdout.split('\n');
    expect(pid).toBe(`${readFileSync(join(dir, 'ppid'), 'utf8').trim()} y z`);
    expect(content).toBe('from src');
    expect(fd9).toBe(lockFile);
    expect(ro).toBe('ro');
    expect(mountsBelow(target)).toEqual([]);
  });
});

interface InitPod {
  dir: string;
  spec: string;
}

/** An init pod spec with one busybox root per app (each in a mount namespace of its own). */
function initPod(apps: { name: string; directives: [string, ...(string | number)[]][] }[], timeout = 2, control?: string): InitPod {
  const dir = tmp.make();
  const pod = new SpecBuilder().directive('stop-timeout', String(timeout)).directive('ready-file', join(dir, 'ready'));
  if (control) pod.directive('control-socket', join(dir, control));
  for (const a of apps) {
    const root = makeBusyboxRoot(join(dir, a.name));
    const s = new SpecBuilder().directive('root', root).directive('env', 'PATH=/bin').directive('status-file', join(dir, `${a.name}.status`));
    for (const [d, ...f] of a.directives) s.directive(d, ...f);
    writeSpec(join(dir, `${a.name}.spec`), s);
    pod.directive('app', a.name, join(dir, `${a.name}.spec`));
  }
  writeSpec(join(dir, 'pod.spec'), pod);
  return { dir, spec: join(dir, 'pod.spec') };
}

const exitStatus = (p: InitPod, app: string) => readFileSync(join(p.dir, `${app}.status`), 'utf8');

describe('rkt-isolation init', () => {
  it('runs every app; the first failure stops the others and is the exit code', async () => {
    const p = initPod([
      { name: 'fails', directives: [['exec', ...sh('echo fails-out; sleep 0.2; exit 5')]] },
      { name: 'waits', directives: [['exec', ...sh('trap "echo waits-got-TERM; exit 0" TERM; while true; do sleep 0.05; done')]] },
      { name: 'quick', directives: [['exec', ...sh('exit 0')]] },
      // Ended by the stop's SIGTERM: recorded as 0, as rkt (systemd) did.
      { name: 'killed', directives: [['exec', ...sh('while true; do sleep 0.05; done')]] },
    ]);
    const r = await run(helper, ['init', p.spec]);
    expect(r.status).toBe(5);
    expect(r.stdout.split('\n').sort()).toEqual(['', 'fails-out', 'waits-got-TERM']);
    expect([exitStatus(p, 'fails'), exitStatus(p, 'waits'), exitStatus(p, 'quick'), exitStatus(p, 'killed')]).toEqual(['5\n', '0\n', '0\n', '0\n']);
    expect(readlinkSync(join(p.dir, 'ready'))).toBe('ready');
  });

  it('stops on SIGTERM: SIGTERM to the apps, SIGKILL after the timeout, exit 0', async () => {
    const p = initPod(
      [
        { name: 'polite', directives: [['exec', ...sh('trap "exit 0" TERM; touch /armed; while true; do sleep 0.05; done')]] },
        { name: 'stubborn', directives: [['exec', ...sh('trap "" TERM; touch /armed; while true; do sleep 0.05; done')]] },
      ],
      0.4,
    );
    const s = start(helper, ['init', p.spec]);
    pids.push(s.pid);
    // Each app marks when its trap is set (in its root, <dir>/<app>): a SIGTERM sent before
    // that would not test the trap.
    await waitFor(() => existsSync(join(p.dir, 'polite', 'armed')) && existsSync(join(p.dir, 'stubborn', 'armed')), 'the apps to set their traps');
    const t0 = Date.now();
    process.kill(s.pid, 'SIGTERM');
    const r = await s.done;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    expect(r.status).toBe(0);
    expect(exitStatus(p, 'polite')).toBe('0\n');
    expect(exitStatus(p, 'stubborn')).toBe('137\n');
  });

  it('runs pre-start before the app and post-stop after it, both as root', async () => {
    const p = initPod([
      {
        name: 'a',
        directives: [
          ['uid', 1000],
          ['gid', 1000],
          ['pre-start', ...sh('chmod 1777 /tmp; id -u > /tmp/pre; chmod 644 /tmp/pre')],
          ['post-stop', ...sh('echo post $(id -u) $(cat /tmp/app)')],
          ['exec', ...sh('echo app $(id -u) pre=$(cat /tmp/pre) > /tmp/app; cat /tmp/app')],
        ],
      },
    ]);
    const r = await run(helper, ['init', p.spec]);
    expect(r).toMatchObject({ status: 0, stdout: 'app 1000 pre=0\npost 0 app 1000 pre=0\n' });

    const f = initPod([{ name: 'b', directives: [['pre-start', ...sh('exit 9')], ['exec', ...sh('echo never')]] }]);
    const fr = await run(helper, ['init', f.spec]);
    expect(fr).toMatchObject({ status: 9, stdout: '' });
    expect(exitStatus(f, 'b')).toBe('9\n');
  });

  it('reports exec failures with 203 and validates the pod spec', async () => {
    const p = initPod([{ name: 'x', directives: [['exec', '/nope']] }]);
    const r = await run(helper, ['init', p.spec]);
    expect(r.status).toBe(203);
    expect(r.stderr).toBe('Error: Unable to open "/nope": No such file or directory\n');

    const dir = tmp.make();
    for (const [text, msg] of [
      ['app a /x\n', 'missing "version 1"'],
      ['version 1\n', 'a pod needs at least one app'],
      ['version 1\nfrob 1\n', 'unknown directive'],
      ['version 1\nstop-timeout soon\n', 'is not a number of seconds'],
      ['version 1\napp a /s\napp a /s\n', 'app a is given twice'],
    ] as const) {
      writeFileSync(join(dir, 'pod'), text);
      const b = await run(helper, ['init', join(dir, 'pod')]);
      expect(b.status).toBe(254);
      expect(b.stderr).toContain(msg);
    }
  });
});

/** Frames of the control channel (native/vm.h): 8-byte header, payload. */
function frame(type: number, chan: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt8(type, 0);
  h.writeUInt16LE(chan, 2);
  h.writeUInt32LE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

function frames(data: Buffer): { type: number; chan: number; payload: Buffer }[] {
  const out = [];
  for (let off = 0; off + 8 <= data.length; ) {
    const len = data.readUInt32LE(off + 4);
    out.push({ type: data.readUInt8(off), chan: data.readUInt16LE(off + 2), payload: data.subarray(off + 8, off + 8 + len) });
    off += 8 + len;
  }
  return out;
}

describe('the control channel of rkt-isolation init', () => {
  it('runs a command in an app with its confinement: passed fds or relayed pipes; refuses what it cannot do', async () => {
    const p = initPod(
      [{ name: 'a', directives: [['bind', '/proc', '/proc', 'rec'], ['caps', 'CAP_KILL'], ['uid', 1000], ['exec', ...sh('while true; do sleep 0.05; done')]] }],
      1,
      'ctl/control.sock',
    );
    const init = start(helper, ['init', p.spec]);
    pids.push(init.pid);
    const ready = () => {
      try {
        return readlinkSync(join(p.dir, 'ready')) === 'ready';
      } catch {
        return false;
      }
    };
    await waitFor(ready, 'the init to be ready', 20_000);
    expect(statSync(join(p.dir, 'ctl')).mode & 0o777).toBe(0o700);
    expect(statSync(join(p.dir, 'ctl/control.sock')).mode & 0o777).toBe(0o600);

    const enter = async (app: string, passFds: boolean, script: string, input: string) => {
      const spec = new SpecBuilder().directive('control-socket', join(p.dir, 'ctl/control.sock')).directive('app', app);
      if (passFds) spec.directive('pass-fds');
      spec.directive('env', 'PATH=/bin').directive('exec', '/bin/sh', '-c', script);
      writeSpec(join(p.dir, 'enter.spec'), spec);
      const c = start(helper, ['ctl-enter', join(p.dir, 'enter.spec')], { stdio: ['pipe', 'pipe', 'pipe'] });
      c.child.stdin!.end(input);
      return c.done;
    };
    const script = 'cat; id -u; grep CapBnd /proc/self/status; test -e /bin/busybox && test ! -e /a.spec && echo in-root; echo err >&2; exit 4';
    for (const passFds of [true, false]) {
      const r = await enter('a', passFds, script, 'from stdin\n');
      expect(r, `pass-fds ${passFds}`).toMatchObject({ status: 4, stdout: 'from stdin\n1000\nCapBnd:\t0000000000000020\nin-root\n', stderr: 'err\n' });
    }
    const none = await enter('nope', true, 'true', '');
    expect(none).toMatchObject({ status: 254, stderr: 'stage1: the pod has no app nope\n' });

    // A request this init does not know: a clear refusal on its channel, the connection stays usable.
    const sock = createConnection(join(p.dir, 'ctl/control.sock'));
    let got = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
    sock.write(frame(99, 7, Buffer.from('what')));
    await waitFor(() => frames(got).some((f) => f.type === 7), 'the refusal');
    const [err, exit] = frames(got);
    expect([err!.type, err!.chan, err!.payload.toString()]).toEqual([3, 7, 'stage1: unsupported request 99\n']);
    expect([exit!.type, exit!.chan, exit!.payload.readInt32LE(0)]).toEqual([7, 7, 254]);
    sock.destroy();

    process.kill(init.pid, 'SIGTERM');
    expect((await init.done).status).toBe(0);
  });
});
