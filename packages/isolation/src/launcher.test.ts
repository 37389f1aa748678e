import { copyFileSync, mkdirSync, readFileSync, readlinkSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { TmpDirs, ensureBuilt, exists, helper, killIfAlive, pkgDir, run, start, waitFor } from '../test/helpers.js';
import { probeLockViaProcLocks } from './index.js';

const dist = pathToFileURL(join(pkgDir, 'dist/index.js')).href;
const tmp = new TmpDirs();
let pids: number[] = [];

beforeAll(() => ensureBuilt({ dist: true }));
afterEach(async () => {
  for (const p of pids) killIfAlive(p);
  pids = [];
  await tmp.cleanup();
});

/** Writes a CLI script for the launcher; it gets `c` (the LauncherClient) and `args`. */
function script(dir: string, name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(
    p,
    `import { LauncherClient, LockBusyError, LauncherError, probeLockViaProcLocks } from ${JSON.stringify(dist)};\n` +
      `import { spawnSync } from 'node:child_process';\n` +
      `const c = LauncherClient.fromEnv();\n` +
      `if (!c) { console.error('no launcher'); process.exit(90); }\n` +
      `const args = process.argv.slice(2);\n` +
      body,
  );
  return p;
}

function launch(cli: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return start(helper, ['launch', ...args], { env: { ...process.env, RKT_CLI: cli, ...env } });
}

describe('launcher', () => {
  it('locks, probes, and execs a plan that keeps the lock fd', async () => {
    const d = tmp.make();
    const podDir = join(d, 'pod dir\nwith newline');
    mkdirSync(podDir);
    const probe = script(d, 'probe.mjs', `console.log(c.probe(args[0]));\n`);
    const cli = script(
      d,
      'cli.mjs',
      `
const dir = args[0];
const out = { envRemoved: process.env.RKT_LAUNCHER_FD === undefined };
c.ping();
const fd = c.lock(dir, { exclusive: true, block: false });
out.self = c.probe(dir);
out.proc = probeLockViaProcLocks(dir);
try { c.lock(dir, { exclusive: false, block: false }); out.second = 'acquired'; }
catch (e) { out.second = e instanceof LockBusyError ? 'busy:' + e.code : String(e); }
const r = spawnSync(${JSON.stringify(helper)}, ['launch', dir], { env: { ...process.env, RKT_CLI: ${JSON.stringify(probe)} }, encoding: 'utf8' });
out.other = r.stdout.trim();
out.missing = c.probe(dir + '/nope');
try { c.unlock(999); } catch (e) { out.badUnlock = e instanceof LauncherError ? e.code : String(e); }
try { c.exec({ path: '/bin/true', argv: ['true'], env: {}, cwd: '/', keepFds: [77] }); } catch (e) { out.badKeep = e.code; }
console.log(JSON.stringify(out));
c.exec({ path: '/bin/sh', argv: ['sh', '-c', 'test "$A" = "x y" && test "$(pwd)" = /tmp && exit 7'], env: { A: 'x y' }, cwd: '/tmp', keepFds: [fd] });
`,
    );
    const r = await launch(cli, [podDir]).done;
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      envRemoved: true,
      self: 'locked',
      proc: 'locked',
      second: 'busy:EWOULDBLOCK',
      other: 'locked',
      missing: 'missing',
      badUnlock: 'EBADF',
      badKeep: 'EINVAL',
    });
    expect(r.status).toBe(7);
    expect(probeLockViaProcLocks(podDir)).toBe('unlocked');
  });

  it('the exec\'d process keeps the PID and holds the lock', async () => {
    const d = tmp.make();
    const podDir = join(d, 'pod');
    mkdirSync(podDir);
    const pidFile = join(d, 'pid');
    const cli = script(
      d,
      'cli.mjs',
      `
const fd = c.lock(args[0], { exclusive: true, block: true });
c.exec({ path: '/bin/sh', argv: ['sh', '-c', 'echo $$ > ' + args[1] + '.tmp && mv ' + args[1] + '.tmp ' + args[1] + ' && exec sleep 30'], env: { PATH: '/bin:/usr/bin' }, cwd: '/', keepFds: [fd] });
`,
    );
    const p = launch(cli, [podDir, pidFile]);
    pids.push(p.pid);
    await waitFor(() => exists(pidFile), 'the pid file');
    expect(Number(readFileSync(pidFile, 'utf8'))).toBe(p.pid);
    await waitFor(() => readlinkSync(`/proc/${p.pid}/exe`) !== helper, 'the exec');
    expect(probeLockViaProcLocks(podDir)).toBe('locked');
    const fds = readdirSync(`/proc/${p.pid}/fd`).map((f) => {
      try {
        return readlinkSync(`/proc/${p.pid}/fd/${f}`);
      } catch {
        return '';
      }
    });
    expect(fds).toContain(podDir);
    process.kill(p.pid, 'SIGTERM');
    const r = await p.done;
    expect(r.signal).toBe('SIGTERM');
    expect(probeLockViaProcLocks(podDir)).toBe('unlocked');
  });

  it('propagates exit codes when there is no plan', async () => {
    const d = tmp.make();
    const cli = script(d, 'cli.mjs', `if (args[0] === 'kill') process.kill(process.pid, 'SIGKILL'); else process.exit(Number(args[0]));\n`);
    expect((await launch(cli, ['0']).done).status).toBe(0);
    expect((await launch(cli, ['5']).done).status).toBe(5);
    expect((await launch(cli, ['kill']).done).status).toBe(137);
    // a plan is not executed when the CLI fails, nor after CANCEL
    const plan = script(
      d,
      'plan.mjs',
      `c.exec({ path: '/bin/sh', argv: ['sh', '-c', 'echo ran; exit 9'], env: {}, cwd: '/' });\nif (args[0] === 'cancel') c.cancel(); else process.exit(3);\n`,
    );
    expect(await launch(plan, ['fail']).done).toMatchObject({ status: 3, stdout: '' });
    expect(await launch(plan, ['cancel']).done).toMatchObject({ status: 0, stdout: '' });
  });

  it('passes stdin, stdout and stderr through untouched', async () => {
    const d = tmp.make();
    const cli = script(d, 'cli.mjs', `let s = ''; process.stdin.on('data', (b) => (s += b)); process.stdin.on('end', () => { process.stdout.write('out:' + s); process.stderr.write('err:' + args.join('|')); });\n`);
    const p = start(helper, ['launch', 'a b', '', 'c'], { env: { ...process.env, RKT_CLI: cli }, stdio: ['pipe', 'pipe', 'pipe'] });
    p.child.stdin!.end('hello\n');
    const r = await p.done;
    expect(r).toMatchObject({ status: 0, stdout: 'out:hello\n', stderr: 'err:a b||c' });
  });

  it('fails with 254 when the plan cannot be executed', async () => {
    const d = tmp.make();
    const cli = script(d, 'cli.mjs', `c.exec({ path: '/nonexistent/prog', argv: ['prog'], env: {}, cwd: '/' });\n`);
    const r = await launch(cli, []).done;
    expect(r.status).toBe(254);
    expect(r.stderr).toBe('rkt: cannot execute /nonexistent/prog: No such file or directory\n');
  });

  it('forwards signals sent by a process to the CLI', async () => {
    const d = tmp.make();
    const cli = script(d, 'cli.mjs', `process.on('SIGTERM', () => process.exit(42)); console.log('ready'); setInterval(() => {}, 1000);\n`);
    const p = start(helper, ['launch'], { env: { ...process.env, RKT_CLI: cli } });
    pids.push(p.pid);
    await waitFor(() => p.stdout() === 'ready\n', 'the CLI to be ready');
    process.kill(p.pid, 'SIGTERM');
    const r = await p.done;
    expect(r).toMatchObject({ status: 42, signal: null, stdout: 'ready\n' });
  });

  it('finds the CLI next to its real location when called as rkt through a symlink', async () => {
    const d = tmp.make();
    // <d>/pk/isolation/bin/rkt-isolation, so the default CLI is <d>/pk/cli/bin/rkt.cjs
    mkdirSync(join(d, 'pk/isolation/bin'), { recursive: true });
    mkdirSync(join(d, 'pk/cli/bin'), { recursive: true });
    copyFileSync(helper, join(d, 'pk/isolation/bin/rkt-isolation'));
    await run('chmod', ['0755', join(d, 'pk/isolation/bin/rkt-isolation')]);
    mkdirSync(join(d, 'usr-bin'));
    symlinkSync(join(d, 'pk/isolation/bin/rkt-isolation'), join(d, 'usr-bin/rkt'));
    const env = { ...process.env };
    delete env['RKT_CLI'];
    delete env['RKT_NODE'];
    // Its runtime is <d>/runtime/node/bin/node, whatever node is in PATH.
    let r = await run(join(d, 'usr-bin/rkt'), ['version'], { env });
    expect(r.status).toBe(254);
    expect(r.stderr).toBe(
      `rkt: cannot run rkt-ts's Node.js runtime ${d}/runtime/node/bin/node (install it with scripts/install-node.sh, or set RKT_NODE to a Node.js 24 binary): No such file or directory\n`,
    );
    mkdirSync(join(d, 'runtime/node/bin'), { recursive: true });
    symlinkSync(process.execPath, join(d, 'runtime/node/bin/node'));
    r = await run(join(d, 'usr-bin/rkt'), ['version'], { env });
    expect(r.status).toBe(254);
    expect(r.stderr).toBe(`rkt: cannot find the rkt CLI script ${d}/pk/cli/bin/rkt.cjs (set RKT_CLI): No such file or directory\n`);
    writeFileSync(join(d, 'pk/cli/bin/rkt.cjs'), `console.log(JSON.stringify([process.argv.slice(2), process.env.RKT_LAUNCHER_FD, process.execPath]));\n`);
    r = await run(join(d, 'usr-bin/rkt'), ['version', '--x'], { env: { ...env, PATH: '/nonexistent' } });
    expect(r).toMatchObject({ status: 0, stdout: `[["version","--x"],"3",${JSON.stringify(process.execPath)}]\n` });
    // RKT_NODE overrides it.
    r = await run(join(d, 'usr-bin/rkt'), [], { env: { ...env, RKT_NODE: '/nonexistent/node' } });
    expect(r.status).toBe(254);
    expect(r.stderr).toContain('RKT_NODE=/nonexistent/node is not executable');
  });
});
