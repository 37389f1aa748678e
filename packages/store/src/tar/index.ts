/**
 * Safe tar extraction for untrusted image archives (ACI rootfs, OCI/Docker layers).
 */
export {
  extractTar,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_MAX_READ_BYTES,
  type ExtractOptions,
  type ExtractResult,
} from './extract.js';
export { scanTar, type ScanOptions, type ScanResult } from './scan.js';
export { UnsafeArchiveError, ArchiveFormatError, ArchiveLimitError, type ArchiveLimit } from './errors.js';
export type { FsOp, FsOpResult, SpecialFilesFn, ArchiveEntry, TarEntryType } from './types.js';
