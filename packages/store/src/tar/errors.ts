/**
 * Error classes of the tar extractor. An image archive is untrusted input:
 *  - UnsafeArchiveError: the archive tries to write outside the destination,
 *    through a symlink, or to link to something it must not;
 *  - ArchiveFormatError: the archive is not a well-formed (optionally gzip-
 *    compressed) tar stream: bad checksum, truncated, corrupt gzip...;
 *  - ArchiveLimitError: a resource bound (decompressed bytes, entry count,
 *    size of an in-memory entry) was exceeded.
 */

/** Render an archive path for an error message (control characters escaped). */
export function printablePath(p: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(p) ? JSON.stringify(p) : p;
}

export class UnsafeArchiveError extends Error {
  /** The offending entry's path, as written in the archive. */
  readonly entry: string;
  constructor(entry: string, problem: string) {
    super(`${printablePath(entry)}: ${problem}`);
    this.name = 'UnsafeArchiveError';
    this.entry = entry;
  }
}

export class ArchiveFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArchiveFormatError';
  }
}

export type ArchiveLimit = 'bytes' | 'entries' | 'entry-size';

export class ArchiveLimitError extends Error {
  readonly limit: ArchiveLimit;
  constructor(limit: ArchiveLimit, message: string) {
    super(message);
    this.name = 'ArchiveLimitError';
    this.limit = limit;
  }
}
