/** Lexical validation of archive paths (the filesystem side is in extract.ts). */
import { UnsafeArchiveError } from './errors.js';

/**
 * Split an archive path into components, dropping empty and `.` components.
 * Rejects absolute paths, `..` components and NUL bytes. `[]` is the root.
 */
export function splitArchivePath(raw: string, entry: string, what = 'path'): string[] {
  if (raw.includes('\0')) throw new UnsafeArchiveError(entry, `${what} contains a NUL byte`);
  if (raw.startsWith('/')) throw new UnsafeArchiveError(entry, `${what} is absolute`);
  const out: string[] = [];
  for (const c of raw.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') throw new UnsafeArchiveError(entry, `${what} contains a ".." component`);
    out.push(c);
  }
  return out;
}

/** Normalize the `strip` option ("rootfs/", "./rootfs", "rootfs") to components. */
export function splitStrip(strip: string): string[] {
  if (strip.includes('\0') || strip.startsWith('/')) throw new TypeError(`invalid strip prefix ${JSON.stringify(strip)}`);
  const out: string[] = [];
  for (const c of strip.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') throw new TypeError(`invalid strip prefix ${JSON.stringify(strip)}`);
    out.push(c);
  }
  return out;
}

/** Remove the strip prefix; null when `comps` is not under it. */
export function applyStrip(comps: string[], strip: string[]): string[] | null {
  if (strip.length === 0) return comps;
  if (comps.length < strip.length) return null;
  for (let i = 0; i < strip.length; i++) if (comps[i] !== strip[i]) return null;
  return comps.slice(strip.length);
}

export const WHITEOUT_PREFIX = '.wh.';
export const WHITEOUT_META_PREFIX = '.wh..wh.';
export const WHITEOUT_OPAQUE = '.wh..wh..opq';

export type Whiteout =
  | { kind: 'opaque'; dir: string[] }
  | { kind: 'remove'; dir: string[]; name: string }
  | { kind: 'meta'; dir: string[] };

/** Classify a (stripped) path whose last component starts with `.wh.`; null otherwise. */
export function parseWhiteout(comps: string[], entry: string): Whiteout | null {
  const base = comps[comps.length - 1];
  if (base === undefined || !base.startsWith(WHITEOUT_PREFIX)) return null;
  const dir = comps.slice(0, -1);
  if (base === WHITEOUT_OPAQUE) return { kind: 'opaque', dir };
  if (base.startsWith(WHITEOUT_META_PREFIX)) return { kind: 'meta', dir };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..') {
    throw new UnsafeArchiveError(entry, `invalid whiteout name ${JSON.stringify(base)}`);
  }
  return { kind: 'remove', dir, name };
}
