/**
 * What the extractor knows about paths (relative to the destination) during
 * one run, as a tree so that forgetting a removed subtree costs only its own
 * size (a flat scan would make "directory, then file at the same path"
 * repeated N times cost O(N²)).
 */
import type { TarEntryType } from './types.js';

export interface PathInfo<M> {
  /** A real directory, created or verified (lstat) during this run, not replaced since. */
  safe: boolean;
  /** Set when this run created the path (hard link targets must have it). */
  created: TarEntryType | undefined;
  /** Deferred directory metadata. */
  meta: M | undefined;
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

export class PathTable<M> {
  private readonly info = new Map<string, PathInfo<M>>();
  private readonly children = new Map<string, Set<string>>();

  constructor() {
    this.info.set('', { safe: true, created: undefined, meta: undefined });
  }

  get(rel: string): PathInfo<M> | undefined {
    return this.info.get(rel);
  }

  isSafe(rel: string): boolean {
    return this.info.get(rel)?.safe === true;
  }

  /** The record of `rel`, created (with its ancestors) if needed. */
  node(rel: string): PathInfo<M> {
    let n = this.info.get(rel);
    if (n) return n;
    n = { safe: false, created: undefined, meta: undefined };
    this.info.set(rel, n);
    let c = rel;
    for (;;) {
      const p = parentOf(c);
      let set = this.children.get(p);
      if (!set) this.children.set(p, (set = new Set()));
      set.add(c);
      if (p === '' || this.info.has(p)) break;
      this.info.set(p, { safe: false, created: undefined, meta: undefined });
      c = p;
    }
    return n;
  }

  /** Forget everything below `rel`, and `rel` itself unless `keepSelf` (the root is always kept). */
  forget(rel: string, keepSelf = false): void {
    const stack = [...(this.children.get(rel) ?? [])];
    this.children.delete(rel);
    while (stack.length) {
      const c = stack.pop()!;
      this.info.delete(c);
      const ch = this.children.get(c);
      if (ch) {
        for (const x of ch) stack.push(x);
        this.children.delete(c);
      }
    }
    if (!keepSelf && rel !== '') {
      this.info.delete(rel);
      this.children.get(parentOf(rel))?.delete(rel);
    }
  }

  /** Paths with deferred metadata. */
  *withMeta(): IterableIterator<[string, M]> {
    for (const [rel, n] of this.info) if (n.meta !== undefined) yield [rel, n.meta];
  }
}
