// Advisory locks on pod directories and store files. Node.js has no flock(2), so the
// locks are held by rkt's launcher process (the one that becomes the pod); when rkt was
// not started through it, lock state can still be read from /proc/locks.
import { LauncherClient, LockBusyError, probeLockViaProcLocks, readFlockTable, type FlockTable } from "@rkt/isolation";
import { RktError } from "./errors.js";

let client: LauncherClient | undefined | null = null;

function launcher(): LauncherClient | undefined {
  if (client === null) client = LauncherClient.fromEnv();
  return client;
}

export type LockState = "locked" | "unlocked" | "missing";

let snapshot: FlockTable | undefined;

/** Whether someone holds an exclusive lock on the path (rkt's non-blocking shared probe). */
export function probeLock(path: string): LockState {
  if (snapshot) return probeLockViaProcLocks(path, snapshot);
  const l = launcher();
  return l ? l.probe(path) : probeLockViaProcLocks(path);
}

/**
 * Runs `fn` with the machine's locks read once, from /proc/locks: for a long-running
 * service (not started through the launcher) that derives the state of every pod in one
 * request. It takes no lock itself, so it never keeps a concurrent rkt command waiting.
 */
export function withLockSnapshot<T>(fn: () => T): T {
  const outer = snapshot;
  snapshot = readFlockTable();
  try {
    return fn();
  } finally {
    snapshot = outer;
  }
}

export interface HeldLock {
  fd: number;
  release(): void;
}

/** Takes a lock held by the launcher; returns undefined when it is busy and `block` is false. */
export function takeLock(path: string, opts: { exclusive: boolean; block: boolean }): HeldLock | undefined {
  const l = launcher();
  if (!l) {
    throw new RktError("this command must run through the rkt launcher (bin/rkt), which holds rkt's locks; do not start the CLI script with node directly");
  }
  try {
    const fd = l.lock(path, opts);
    return { fd, release: () => l.unlock(fd) };
  } catch (err) {
    if (err instanceof LockBusyError) return undefined;
    throw err;
  }
}

export function launcherClient(): LauncherClient {
  const l = launcher();
  if (!l) throw new RktError("this command must run through the rkt launcher (bin/rkt)");
  return l;
}
