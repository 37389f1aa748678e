import { createRequire } from 'node:module';

import { decodeField, encodeField } from './encoding.js';
import { helperPath } from './helper.js';

export type FsOp =
  | { op: 'mknod'; path: string; type: 'char' | 'block'; mode: number; major: number; minor: number }
  | { op: 'mkfifo'; path: string; mode: number }
  | { op: 'setxattr'; path: string; name: string; value: Buffer }
  | { op: 'lchown'; path: string; uid: number; gid: number }
  | { op: 'umount-tree'; path: string };

export type FsOpResult = { ok: true } | { ok: false; code: string; message: string };

function int(v: number, what: string, min = 0): string {
  if (!Number.isInteger(v) || v < min || v > 0xffffffff) throw new TypeError(`fsops: invalid ${what}: ${v}`);
  return String(v);
}

function mode(m: number): string {
  if (!Number.isInteger(m) || m < 0) throw new TypeError(`fsops: invalid mode: ${m}`);
  return (m & 0o7777).toString(8);
}

function formatOp(o: FsOp): string {
  const p = encodeField(o.path);
  switch (o.op) {
    case 'mknod':
      return `mknod ${p} ${o.type === 'char' ? 'c' : 'b'} ${mode(o.mode)} ${int(o.major, 'major')} ${int(o.minor, 'minor')}\n`;
    case 'mkfifo':
      return `mkfifo ${p} ${mode(o.mode)}\n`;
    case 'setxattr':
      return `setxattr ${p} ${encodeField(o.name)} ${o.value.length ? o.value.toString('hex') : '-'}\n`;
    case 'lchown':
      return `lchown ${p} ${int(o.uid, 'uid', -1)} ${int(o.gid, 'gid', -1)}\n`;
    case 'umount-tree':
      return `umount-tree ${p}\n`;
  }
}

function parseResult(line: string): FsOpResult {
  if (line === 'OK') return { ok: true };
  const f = line.split('\t');
  if (f[0] === 'ERR' && f.length >= 3) return { ok: false, code: decodeField(f[1]!), message: decodeField(f[2]!) };
  throw new Error(`rkt-isolation fsops: unexpected output ${JSON.stringify(line)}`);
}

/**
 * Runs a batch of file operations in one `rkt-isolation fsops` process. Each operation gets
 * its own result; a failed operation does not stop the batch. mknod and mkfifo never follow
 * a symlink in the last component; setxattr and lchown act on a symlink itself. Modes are
 * applied exactly (no umask). Rejects when the helper cannot run or reports malformed input.
 */
export function runFsOps(ops: FsOp[]): Promise<FsOpResult[]> {
  if (ops.length === 0) return Promise.resolve([]);
  // child_process is loaded on first use: at import time it costs milliseconds of start-up.
  const { spawn } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  let input: string;
  try {
    input = ops.map(formatOp).join('');
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(helperPath(), ['fsops'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => {
      /* EPIPE when the helper stops early: reported from its exit status */
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const text = Buffer.concat(out).toString('utf8');
      const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text ? text.split('\n') : [];
      if (code !== 0 || lines.length !== ops.length) {
        const why = Buffer.concat(err).toString('utf8').trim() || lines.at(-1) || '';
        reject(new Error(`rkt-isolation fsops failed (${signal ?? `exit status ${code}`})${why ? `: ${why}` : ''}`));
        return;
      }
      try {
        resolve(lines.map(parseResult));
      } catch (e) {
        reject(e);
      }
    });
    child.stdin.end(input);
  });
}
