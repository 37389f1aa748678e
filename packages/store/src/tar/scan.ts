/**
 * Read-only walk over a tar file (e.g. to read an ACI manifest without
 * extracting): same format checks, limits and path validation as extractTar.
 */
import { lendEntry } from './archive-entry.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_ENTRIES } from './extract.js';
import { splitArchivePath } from './paths.js';
import { TarReader, type TarEntry } from './reader.js';
import { openByteSource } from './source.js';
import type { ArchiveEntry } from './types.js';

export interface ScanOptions {
  maxDecompressedBytes?: number;
  maxEntries?: number;
}

export interface ScanResult {
  entries: number;
  bytes: number;
  /** True when the callback stopped the scan early. */
  stopped: boolean;
  warnings: string[];
}

/**
 * Call `onEntry(path, entry)` for every entry; `path` is normalized (no `./`,
 * no trailing slash; '' for the root). Entry paths that are absolute or
 * contain `..` or NUL throw UnsafeArchiveError. Return 'stop' to end early.
 */
export async function scanTar(
  source: string,
  onEntry: (path: string, entry: ArchiveEntry) => Promise<void | 'stop'> | void | 'stop',
  opts: ScanOptions = {},
): Promise<ScanResult> {
  const src = await openByteSource(source, opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
  const warnings: string[] = [];
  try {
    const reader = new TarReader(src, {
      maxEntries: opts.maxEntries ?? DEFAULT_MAX_ENTRIES,
      onWarning: w => void (warnings.length < 1000 && warnings.push(w)),
    });
    let e: TarEntry | null;
    while ((e = await reader.next()) !== null) {
      const path = splitArchivePath(e.rawPath, e.rawPath).join('/');
      const r = await lendEntry(reader, e, (entry) => onEntry(path, entry));
      if (r === 'stop') return { entries: reader.entryCount, bytes: reader.consumed, stopped: true, warnings };
    }
    return { entries: reader.entryCount, bytes: reader.consumed, stopped: false, warnings };
  } finally {
    await src.close();
  }
}
