/**
 * Filesystem operations Node cannot do itself (mknod, mkfifo, lsetxattr).
 * Structurally identical to `FsOp`/`FsOpResult` of `@rkt/isolation`
 * (`runFsOps`), which the store passes as `ExtractOptions.specialFiles`.
 * Paths are absolute.
 */
export type FsOp =
  | { op: 'mknod'; path: string; type: 'char' | 'block'; mode: number; major: number; minor: number }
  | { op: 'mkfifo'; path: string; mode: number }
  | { op: 'setxattr'; path: string; name: string; value: Buffer }
  | { op: 'lchown'; path: string; uid: number; gid: number }
  | { op: 'umount-tree'; path: string };

export type FsOpResult = { ok: true } | { ok: false; code: string; message: string };

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
