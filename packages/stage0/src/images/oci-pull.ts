// Pulling one OCI/Docker image from any source into the store: resolve the reference to
// this platform's manifest, store the documents and the layers as content-addressed blobs
// (each verified, each downloaded once even by concurrent rkt processes), record the image
// with its appc view, and render its tree. Whatever fails leaves nothing of this image
// behind: blobs this pull stored and no image uses are removed again.
import {
  appcView,
  digestHex,
  hostPlatform,
  layerCompression,
  OciError,
  readConfig,
  RegistryError,
  resolveManifest,
  sha256Digest,
  shortDigest,
  type Descriptor,
  type FetchedDocument,
  type ImageSource,
} from "@rkt/oci";
import { MissingBlobError, StoreError, type OciBlobRef } from "@rkt/store";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { takeLock, type HeldLock } from "../locks.js";
import type { FetchedImage } from "./fetcher.js";
import { LayerProgress } from "./layer-progress.js";

export interface PullNaming {
  /** `registry/repository`, or the layout's / archive's name. */
  name: string;
  tag?: string;
  registry?: string;
  repository?: string;
}

export interface PullRequest {
  source: ImageSource;
  /** The argument as the user wrote it (annotation appc.io/docker/originalname). */
  originalName: string;
  /** Called once the reference is resolved (a docker-save archive knows its tag only then). */
  naming: () => PullNaming;
  /** Fetched by tag `latest` (rkt's aciinfo.latest). */
  latest: boolean;
}

/** Layers downloaded at once. */
const PARALLEL_BLOBS = 3;

export async function pullImage(ctx: RktContext, req: PullRequest): Promise<FetchedImage> {
  const store = ctx.store;
  const log = (m: string): void => ctx.reporter.debugLog("image", m);
  const { manifest, doc, indexes } = await resolveManifest(req.source, hostPlatform());
  const key = `sha256-${digestHex(manifest.digest)}`;
  log(`${req.originalName} is manifest ${manifest.digest} (${doc.layers.length} layers)`);
  doc.layers.forEach((l, i) => {
    const c = layerCompression(l.mediaType);
    if (typeof c !== "string") throw new OciError(`${manifest.file}: field "layers[${i}].mediaType": ${c.problem}`);
  });

  if (store.has(key)) {
    log(`image ${key} is already in the store`);
    if (req.latest) store.markLatest(key);
    await store.renderTree(key);
    return { key, manifest: store.manifest(key) };
  }

  const stored: string[] = [];
  let added = false;
  let treeId: string | undefined;
  try {
    const { config, parsed } = await readConfig(storeFirst(ctx, req.source, stored), doc, manifest.file);
    const naming = req.naming();
    const view = appcView({
      ...naming,
      config: parsed,
      configDigest: doc.config.digest,
      manifestDigest: manifest.digest,
      manifestAnnotations: doc.annotations,
      originalName: req.originalName,
      file: config.file,
    });
    if (view.dropped.length) log(`left out of the image manifest (appc cannot express them): ${view.dropped.join(", ")}`);

    const blobs: OciBlobRef[] = [];
    indexes.forEach((ix, i) => {
      if (ix.synthetic) return;
      blobs.push({ digest: ix.digest, role: "index", position: i, mediaType: ix.mediaType ?? "", size: ix.bytes.length });
    });
    blobs.push({ digest: manifest.digest, role: "manifest", position: 0, mediaType: doc.mediaType, size: manifest.bytes.length });
    blobs.push({ digest: doc.config.digest, role: "config", position: 0, mediaType: doc.config.mediaType, size: doc.config.size });
    doc.layers.forEach((l, i) => blobs.push({ digest: l.digest, role: "layer", position: i, mediaType: l.mediaType, size: l.size }));

    const documents = [...indexes.filter((ix) => !ix.synthetic), manifest, config];
    for (const d of documents) if (storeDocument(ctx, d)) stored.push(d.digest);
    // Each layer is applied as soon as it is stored, while the next ones download.
    const downloads = fetchLayers(ctx, req.source, doc.layers, stored);
    const layerRefs = blobs.filter((b) => b.role === "layer");
    const render = store.renderOciLayers(key, layerRefs, (i) => downloads.ready(layerRefs[i]!.digest));
    const [fetched, rendered] = await Promise.allSettled([downloads.done, render]);
    if (fetched.status === "rejected") throw fetched.reason;
    if (rendered.status === "rejected") throw rendered.reason;
    treeId = rendered.value.id;

    for (let round = 0; ; round++) {
      try {
        added = store.addOciImage({
          key,
          digest: manifest.digest,
          name: view.manifest.name,
          labels: view.manifest.labels ?? [],
          manifest: Buffer.from(JSON.stringify(view.manifest)),
          latest: req.latest,
          blobs,
        });
        break;
      } catch (err) {
        // `rkt image rm` of another image took a blob we reused: fetch it again.
        if (!(err instanceof MissingBlobError) || round > 0) throw err;
        log(`fetching again blobs removed meanwhile: ${err.digests.join(", ")}`);
        for (const d of documents) if (err.digests.includes(d.digest) && storeDocument(ctx, d)) stored.push(d.digest);
        await fetchLayers(ctx, req.source, doc.layers.filter((l) => err.digests.includes(l.digest)), stored).done;
      }
    }
    store.recordTreeSize(key, treeId);
    return { key, manifest: view.manifest };
  } catch (err) {
    if (added) store.remove(key);
    store.removeUnusedBlobs(stored);
    // a tree this pull rendered for an image it could not record
    if (treeId !== undefined && !store.has(key) && store.treeRecorded(treeId)?.key === key) store.removeTree(treeId);
    if (err instanceof StoreError) throw new RktError(`${req.originalName}: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * The source, except that small blobs (the config) come from the store when they are there,
 * and are stored as soon as they are fetched, under the blob's lock, so that concurrent
 * pulls of one image download them once too. `stored` collects what this pull stored.
 */
function storeFirst(ctx: RktContext, source: ImageSource, stored: string[]): ImageSource {
  const fromStore = (d: Descriptor): FetchedDocument | undefined => {
    if (!ctx.store.hasBlob(d.digest)) return undefined;
    const bytes = readFileSync(ctx.store.blobFile(d.digest));
    if (sha256Digest(bytes) !== d.digest) return undefined; // a damaged copy: ask the source
    return { bytes, digest: d.digest, mediaType: d.mediaType, file: `${d.digest} (stored)` };
  };
  return {
    label: source.label,
    resolve: () => source.resolve(),
    manifest: (d) => source.manifest(d),
    blob: (d, sink, p) => source.blob(d, sink, p),
    close: () => source.close(),
    smallBlob: async (d) => {
      const have = fromStore(d);
      if (have) return have;
      const lock = await blobLock(ctx, d.digest);
      try {
        const meanwhile = fromStore(d);
        if (meanwhile) return meanwhile;
        const doc = await source.smallBlob(d);
        if (storeDocument(ctx, doc)) stored.push(doc.digest);
        return doc;
      } finally {
        lock.release();
      }
    },
  };
}

/** Stores a document fetched in memory (index, manifest, config); true when it was new. */
function storeDocument(ctx: RktContext, d: FetchedDocument): boolean {
  const store = ctx.store;
  if (store.hasBlob(d.digest)) return false;
  const w = store.blobWriter(d.digest, d.bytes.length, { resume: false, label: d.file });
  try {
    w.write(d.bytes);
    w.commit();
  } catch (err) {
    w.abort(true);
    throw err;
  }
  return true;
}

interface Downloads {
  /** Settles when every layer is stored (rejects with the first failure). */
  done: Promise<void>;
  /** Resolves when this layer is in the store. */
  ready(digest: string): Promise<void>;
}

/**
 * Downloads the layers not in the store yet, a few at a time and bottom layer first (so
 * rendering can start early), with one progress line each.
 */
function fetchLayers(ctx: RktContext, source: ImageSource, layers: Descriptor[], stored: string[]): Downloads {
  const progress = new LayerProgress((t) => ctx.reporter.stderr(t), process.stderr.isTTY === true);
  const todo = [...new Map(layers.map((l) => [l.digest, l])).values()];
  const lines = todo.map((l) => progress.add(`Downloading ${shortDigest(l.digest)}`, l.size));
  const waiting = new Map<string, ReturnType<typeof deferred>>(todo.map((l) => [l.digest, deferred()]));
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < todo.length) {
      const i = next++;
      const layer = todo[i]!;
      try {
        const fresh = await fetchBlob(ctx, source, layer, (done) => progress.update(lines[i]!, done));
        if (fresh) stored.push(layer.digest);
        progress.finish(lines[i]!, fresh ? "done" : "already in the store");
        waiting.get(layer.digest)!.resolve();
      } catch (err) {
        failure ??= err;
        progress.finish(lines[i]!, "failed");
      }
    }
  };
  const done = Promise.all(Array.from({ length: Math.min(PARALLEL_BLOBS, todo.length) }, worker)).then(() => {
    progress.close();
    if (failure !== undefined) {
      for (const w of waiting.values()) w.reject(failure);
      throw failure;
    }
  });
  done.catch(() => {}); // observed by the caller
  return {
    done,
    ready: (digest) => waiting.get(digest)?.promise ?? Promise.resolve(),
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // a layer nobody waits for may fail
  return { promise, resolve, reject };
}

/**
 * Stores one blob unless it is there; true when this call stored it. A per-digest lock
 * makes a concurrent rkt wait for the blob instead of downloading it a second time.
 */
async function fetchBlob(ctx: RktContext, source: ImageSource, desc: Descriptor, progress: (done: number) => void): Promise<boolean> {
  const store = ctx.store;
  if (store.hasBlob(desc.digest)) return false;
  const lock = await blobLock(ctx, desc.digest);
  try {
    if (store.hasBlob(desc.digest)) return false;
    const label = `layer ${desc.digest} from ${source.label}`;
    const w = store.blobWriter(desc.digest, desc.size, { resume: true, label });
    if (w.offset > 0) ctx.reporter.debugLog("image", `${label}: resuming a partial download at byte ${w.offset}`);
    try {
      await source.blob(desc, w, progress);
      w.commit();
    } catch (err) {
      // A partial download interrupted by the network is kept for the next attempt; one
      // with wrong content can never become right.
      w.abort(!(err instanceof RegistryError));
      throw err;
    }
    ctx.reporter.debugLog("image", `stored ${label} (${desc.size} bytes)`);
    return true;
  } finally {
    lock.release();
  }
}

async function blobLock(ctx: RktContext, digest: string): Promise<HeldLock> {
  const dir = ctx.store.paths.blobLocks;
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  const file = join(dir, `sha256-${digest.slice("sha256:".length)}`);
  closeSync(openSync(file, "a", 0o640));
  let lock = takeLock(file, { exclusive: true, block: false });
  if (lock) return lock;
  ctx.reporter.log("image", `another rkt instance is downloading ${shortDigest(digest as `sha256:${string}`)}, waiting...`);
  while (!(lock = takeLock(file, { exclusive: true, block: false }))) await sleep(100);
  return lock;
}
