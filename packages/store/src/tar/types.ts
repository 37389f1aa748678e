/**
 * Filesystem operations Node cannot do itself (mknod, mkfifo, lsetxattr), carried out by
 * the isolation helper's `runFsOps`, which the store passes as `ExtractOptions.specialFiles`
 * (tests pass their own). Paths are absolute.
 */
import type { FsOp, FsOpResult } from "@rkt/isolation";

export type { FsOp, FsOpResult };

export type SpecialFilesFn = (ops: FsOp[]) => Promise<FsOpResult[]>;

/** Entry types the reader yields (unknown/vendor types are skipped with a warning). */
export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

/** What `onOtherEntry` / `scanTar` callbacks receive. */
export interface ArchiveEntry {
  /** Path as written in the archive (after PAX / GNU long-name resolution). */
  readonly rawPath: string;
  readonly type: TarEntryType;
  /** Size of the entry's data (0 for everything but regular files). */
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Seconds since the epoch (fractional with PAX times). */
  readonly mtime: number;
  /** Link target (symlinks, hard links), '' otherwise. */
  readonly linkpath: string;
  /**
   * Read the whole entry data into memory. At most once per entry, only during
   * the callback. Rejects with ArchiveLimitError if the entry is larger than
   * `maxBytes` (default 64 MiB). Not calling it skips the data.
   */
  read(maxBytes?: number): Promise<Buffer>;
}
