export * from "./errors.js";
export * from "./ids.js";
export * from "./paths.js";
export * from "./records.js";
export { ImageStore, layerExpansionLimit, type ImportResult, type RemoteRecord, type TreeInfo } from "./store.js";
export { BlobWriter, blobKey, type BlobWriterOptions } from "./blob-writer.js";
export { MissingBlobError, type BlobRole, type OciBlobRef, type OciImageRecord } from "./oci-images.js";
export { treeHash } from "./tree-hash.js";
export { extractTar, UnsafeArchiveError, ArchiveFormatError, ArchiveLimitError, type FsOp, type FsOpResult, zstdAvailable } from "./tar/index.js";
