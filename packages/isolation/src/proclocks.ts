import { readFileSync, statSync, type BigIntStats } from 'node:fs';

/**
 * The exclusive flocks held on this machine, read from /proc/locks once: the set of
 * `major:minor:inode` (decimal) of every inode with a `FLOCK ... WRITE` lock. A process that
 * probes many paths (a service listing every pod) reads the table once per request.
 */
export type FlockTable = ReadonlySet<string>;

export function readFlockTable(): FlockTable {
  const table = new Set<string>();
  for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
    // "1: FLOCK  ADVISORY  WRITE 1234 fd:00:1234567 0 EOF"; waiters read "1: -> FLOCK ..."
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[1] !== 'FLOCK' || f[3] !== 'WRITE') continue;
    const id = f[5]!.split(':');
    if (id.length !== 3) continue;
    table.add(`${BigInt(`0x${id[0]}`)}:${BigInt(`0x${id[1]}`)}:${BigInt(id[2]!)}`);
  }
  return table;
}

/**
 * Probes the flock state of `path` without the launcher, from /proc/locks (or a table read
 * from it): `locked` when an exclusive flock (`FLOCK ... WRITE`) is held on the path's inode.
 * /proc/locks prints the device as hex `major:minor:inode`. Shared locks are reported as
 * `unlocked`, as a shared non-blocking probe would see them.
 *
 * Caveat: the device is the filesystem's superblock device; on btrfs subvolumes stat()
 * reports another device number and this probe cannot match.
 */
export function probeLockViaProcLocks(path: string, table?: FlockTable): 'locked' | 'unlocked' | 'missing' {
  let st: BigIntStats;
  try {
    st = statSync(path, { bigint: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw err;
  }
  const dev = st.dev;
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return (table ?? readFlockTable()).has(`${major}:${minor}:${st.ino}`) ? 'locked' : 'unlocked';
}
