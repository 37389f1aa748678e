import { fstatSync, readSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';

import { decodeField, encodeField } from './encoding.js';

/**
 * A process for the launcher to execve in rkt's place once the CLI has exited with status
 * 0: the pod keeps rkt's PID. (Structurally identical to `LaunchPlan` of @rkt/stage1-api.)
 */
export interface LaunchPlan {
  /** Absolute path of the executable. */
  path: string;
  /** Full argv, argv[0] included. */
  argv: string[];
  /** The exact environment of the new program. */
  env: Record<string, string>;
  cwd: string;
  /** File descriptors that stay open across the exec: fds returned by lock(), or 0-2. */
  keepFds?: number[];
}

/** An error reported by the launcher; `code` is an errno name such as `ENOENT`. */
export class LauncherError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'LauncherError';
    this.code = code;
  }
}

/** A non-blocking lock request found the lock held (EWOULDBLOCK). */
export class LockBusyError extends LauncherError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'LockBusyError';
  }
}

let fromEnvCache: LauncherClient | null | undefined;

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as NodeJS.ErrnoException).code : undefined;
}

/**
 * Synchronous client of the launcher protocol, over the socket the `rkt` launcher passes
 * as fd `RKT_LAUNCHER_FD`. Every call sends one request and blocks until its reply.
 */
export class LauncherClient {
  readonly fd: number;
  private pending: Buffer = Buffer.alloc(0);
  private readonly chunk = Buffer.allocUnsafe(4096);

  constructor(fd: number) {
    this.fd = fd;
  }

  /**
   * The client for the launcher that started this process, or undefined when there is none
   * (`RKT_LAUNCHER_FD` unset, or not a socket). The first call removes `RKT_LAUNCHER_FD`
   * from `process.env` so that programs started later do not talk to the launcher; the
   * client is cached.
   */
  static fromEnv(): LauncherClient | undefined {
    if (fromEnvCache !== undefined) return fromEnvCache ?? undefined;
    fromEnvCache = null;
    const v = process.env['RKT_LAUNCHER_FD'];
    if (!v || !/^\d+$/.test(v)) return undefined;
    const fd = Number(v);
    try {
      // bigint: Node 20's fs.realpathSync consults the shared (non-bigint) stat buffer
      // left by the last stat call, and treats a path as unresolvable when that buffer
      // says "socket": a plain fstat of this socket would break later module resolution.
      if (!fstatSync(fd, { bigint: true }).isSocket()) return undefined;
    } catch {
      return undefined;
    }
    delete process.env['RKT_LAUNCHER_FD'];
    fromEnvCache = new LauncherClient(fd);
    return fromEnvCache;
  }

  /**
   * Opens `path` (a file or a directory) in the launcher and flocks it. Returns the fd
   * number in the launcher (pass it in `keepFds` of the plan). Throws LockBusyError when
   * `block` is false and the lock is held.
   */
  lock(path: string, opts: { exclusive: boolean; block: boolean }): number {
    path = resolve(path); // the launcher's cwd is not ours
    const [fd] = this.request(
      `LOCK\t${encodeField(path)}\t${opts.exclusive ? 'ex' : 'sh'}\t${opts.block ? 1 : 0}\n`,
      path,
    );
    const n = Number(fd);
    if (!Number.isInteger(n) || n < 0) throw new LauncherError('EPROTO', `launcher: bad LOCK reply ${fd}`);
    return n;
  }

  /** Closes a lock fd returned by lock(). */
  unlock(fd: number): void {
    this.request(`UNLOCK\t${fd}\n`);
  }

  /** State of the flock on `path` as a shared non-blocking probe sees it. */
  probe(path: string): 'locked' | 'unlocked' | 'missing' {
    path = resolve(path);
    try {
      const [state] = this.request(`PROBE\t${encodeField(path)}\n`, path);
      if (state === 'locked' || state === 'unlocked') return state;
      throw new LauncherError('EPROTO', `launcher: bad PROBE reply ${state}`);
    } catch (err) {
      if (err instanceof LauncherError && (err.code === 'ENOENT' || err.code === 'ENOTDIR')) return 'missing';
      throw err;
    }
  }

  /** Stores the plan the launcher execs once this process exits with status 0. */
  exec(plan: LaunchPlan): void {
    if (!plan.path.startsWith('/')) throw new LauncherError('EINVAL', `launch plan path ${plan.path} is not absolute`);
    if (plan.argv.length === 0) throw new LauncherError('EINVAL', 'launch plan argv is empty');
    const lines = ['EXEC', `PATH\t${encodeField(plan.path)}`];
    for (const a of plan.argv) lines.push(`ARG\t${encodeField(a)}`);
    for (const [k, v] of Object.entries(plan.env)) lines.push(`ENV\t${encodeField(`${k}=${v}`)}`);
    lines.push(`CWD\t${encodeField(resolve(plan.cwd))}`);
    for (const fd of plan.keepFds ?? []) lines.push(`KEEPFD\t${fd}`);
    lines.push('END');
    this.request(lines.join('\n') + '\n');
  }

  /** Drops a stored plan: the launcher will exit with this process's status. */
  cancel(): void {
    this.request('CANCEL\n');
  }

  ping(): void {
    this.request('PING\n');
  }

  private request(text: string, path?: string): string[] {
    this.send(Buffer.from(text, 'utf8'));
    const reply = this.readLine().split('\t');
    if (reply[0] === 'OK') return reply.slice(1).map(decodeField);
    if (reply[0] === 'ERR' && reply.length >= 3) {
      const code = decodeField(reply[1]!);
      const message = (path ? `${path}: ` : '') + decodeField(reply[2]!);
      if (code === 'EWOULDBLOCK' || code === 'EAGAIN') throw new LockBusyError(code, message);
      throw new LauncherError(code, message);
    }
    throw new LauncherError('EPROTO', `launcher: unexpected reply ${JSON.stringify(reply.join('\t'))}`);
  }

  private send(b: Buffer): void {
    let off = 0;
    while (off < b.length) {
      try {
        off += writeSync(this.fd, b, off, b.length - off);
      } catch (err) {
        if (errnoOf(err) === 'EAGAIN') pause(1);
        else throw new LauncherError(errnoOf(err) ?? 'EIO', `launcher: ${(err as Error).message}`);
      }
    }
  }

  private readLine(): string {
    for (;;) {
      const nl = this.pending.indexOf(10);
      if (nl >= 0) {
        const line = this.pending.toString('utf8', 0, nl);
        this.pending = this.pending.subarray(nl + 1);
        return line;
      }
      let n: number;
      try {
        n = readSync(this.fd, this.chunk, 0, this.chunk.length, null);
      } catch (err) {
        if (errnoOf(err) === 'EAGAIN') {
          pause(1);
          continue;
        }
        throw new LauncherError(errnoOf(err) ?? 'EIO', `launcher: ${(err as Error).message}`);
      }
      if (n === 0) throw new LauncherError('EPIPE', 'launcher: connection closed');
      this.pending = Buffer.concat([this.pending, this.chunk.subarray(0, n)]);
    }
  }
}
