// Handing one tar entry to a caller's callback: its header fields, and its data readable
// once, only while the callback runs (the reader moves on afterwards).
import { printablePath } from './errors.js';
import type { TarEntry, TarReader } from './reader.js';
import type { ArchiveEntry } from './types.js';

/** Default bound on what ArchiveEntry.read() returns: entries read whole are small (manifests). */
export const DEFAULT_MAX_READ_BYTES = 64 << 20;

export async function lendEntry<T>(reader: TarReader, e: TarEntry, use: (entry: ArchiveEntry) => Promise<T> | T): Promise<T> {
  let state: 'open' | 'read' | 'closed' = 'open';
  const entry: ArchiveEntry = {
    rawPath: e.rawPath,
    type: e.type,
    size: e.size,
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    mtime: e.mtime,
    linkpath: e.linkpath,
    read: async (maxBytes = DEFAULT_MAX_READ_BYTES) => {
      if (state !== 'open') throw new Error(`${printablePath(e.rawPath)}: entry data can be read once, during the callback`);
      state = 'read';
      return reader.readBody(maxBytes);
    },
  };
  try {
    return await use(entry);
  } finally {
    state = 'closed';
  }
}
