/* Test helpers (not part of the package build). Real processes, namespaces and mounts. */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { helperPath, runFsOps } from '../src/index.js';

export const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
export const repoDir = dirname(dirname(pkgDir));
export const helper = helperPath();

let built = false;
/** Builds the helper (make is incremental) and, with dist, the package's JS for child scripts. */
export function ensureBuilt(opts: { dist?: boolean } = {}): void {
  if (!built) {
    execFileSync('make', ['-s', '-C', pkgDir], { stdio: 'inherit' });
    built = true;
  }
  if (opts.dist) {
    execFileSync(join(repoDir, 'node_modules/.bin/tsc'), ['-b', join(pkgDir, 'tsconfig.json')], { stdio: 'inherit' });
  }
}

export function mountsBelow(path: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m)
    .map((m) => m.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m === path || m.startsWith(path + '/'));
}

/** Temporary directories, unmounted (everything below) and removed by cleanupTmp(). */
export class TmpDirs {
  private dirs: string[] = [];

  make(prefix = 'rkt-iso-'): string {
    const d = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }

  async cleanup(): Promise<void> {
    const dirs = this.dirs.splice(0);
    for (const d of dirs) {
      if (mountsBelow(d).length) {
        const [r] = await runFsOps([{ op: 'umount-tree', path: d }]);
        if (!r?.ok) throw new Error(`cannot unmount below ${d}: ${JSON.stringify(r)}`);
      }
      // Never rm -rf through a mount point: it could reach host files.
      const left = mountsBelow(d);
      if (left.length) throw new Error(`mounts left below ${d}: ${left.join(', ')}`);
      rmSync(d, { recursive: true, force: true });
    }
  }
}

const APPLETS = [
  'sh', 'id', 'cat', 'echo', 'env', 'pwd', 'touch', 'sleep', 'ls', 'mkdir', 'kill', 'test',
  'readlink', 'stat', 'grep', 'hostname', 'true', 'false', 'mount', 'wc', 'head', 'printf', 'cut',
];

/** A minimal root filesystem: busybox-static with applet symlinks in /bin. */
export function makeBusyboxRoot(dir: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(dir, 'bin/busybox'));
  execFileSync('chmod', ['0755', join(dir, 'bin/busybox')]);
  for (const a of APPLETS) symlinkSync('busybox', join(dir, 'bin', a));
  for (const d of ['dev', 'proc', 'tmp', 'etc']) mkdirSync(join(dir, d), { recursive: true });
  return dir;
}

export interface Result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  pid: number;
  child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  done: Promise<Result>;
}

export function start(cmd: string, args: string[], opts: SpawnOptions = {}): Running {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Result>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
  return { pid: child.pid!, child, stdout: () => stdout, done };
}

export function run(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<Result> {
  return start(cmd, args, opts).done;
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function exists(p: string): boolean {
  return existsSync(p);
}

export function killIfAlive(pid: number | undefined, sig: NodeJS.Signals = 'SIGKILL'): void {
  if (!pid) return;
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}
