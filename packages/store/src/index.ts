export * from "./errors.js";
export * from "./ids.js";
export * from "./paths.js";
export * from "./records.js";
export { ImageStore, type ImportResult, type RemoteRecord, type TreeInfo } from "./store.js";
export { treeHash } from "./tree-hash.js";
export { extractTar, UnsafeArchiveError, ArchiveFormatError, ArchiveLimitError } from "./tar/index.js";
