import { readFileSync, statSync, type BigIntStats } from 'node:fs';

/**
 * Probes the flock state of `path` without the launcher, from /proc/locks: `locked` when an
 * exclusive flock (`FLOCK ... WRITE`) is held on the path's inode. /proc/locks prints the
 * device as hex `major:minor:inode`. Shared locks are reported as `unlocked`, as a shared
 * non-blocking probe would see them.
 *
 * Caveat: the device is the filesystem's superblock device; on btrfs subvolumes stat()
 * reports another device number and this probe cannot match.
 */
export function probeLockViaProcLocks(path: string): 'locked' | 'unlocked' | 'missing' {
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
  const text = readFileSync('/proc/locks', 'utf8');
  for (const line of text.split('\n')) {
    // "1: FLOCK  ADVISORY  WRITE 1234 fd:00:1234567 0 EOF"; waiters read "1: -> FLOCK ..."
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[1] !== 'FLOCK' || f[3] !== 'WRITE') continue;
    const id = f[5]!.split(':');
    if (id.length !== 3) continue;
    if (BigInt(`0x${id[0]}`) === major && BigInt(`0x${id[1]}`) === minor && BigInt(id[2]!) === st.ino) {
      return 'locked';
    }
  }
  return 'unlocked';
}
