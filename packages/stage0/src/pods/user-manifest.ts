// rkt's --pod-manifest: a pod manifest the user wrote replaces the images and the app flags,
// as rkt's validatePodManifest: each app names an image already in the store by its ID
// (nothing is fetched), and has an app section in the pod manifest or in its image.
// Everything is checked before the pod directory exists, names included: app, volume and
// mount point names become paths in the pod, so each must be an AC Name.
import { ManifestError, parsePodManifest } from "@rkt/appc";
import type { App, ImageManifest, PodManifest, RuntimeApp } from "@rkt/stage1-api";
import { ImageNotFoundError, StoreError } from "@rkt/store";
import { readFileSync } from "node:fs";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";

export interface StoredAppImage {
  key: string;
  manifest: ImageManifest;
}

/** The app a stage1 runs: the pod manifest's app section, or else the image's. */
export function effectiveApp(ra: RuntimeApp, image: ImageManifest): App | undefined {
  return ra.app ?? image.app;
}

export function readUserPodManifest(ctx: RktContext, file: string): { manifest: PodManifest; images: StoredAppImage[] } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new RktError(`error reading pod manifest ${file}: ${e.code === "ENOENT" ? "no such file or directory" : e.message}`);
  }
  let manifest: PodManifest;
  try {
    manifest = withoutNulls(parsePodManifest(bytes, file)) as PodManifest;
  } catch (err) {
    if (err instanceof ManifestError) throw new RktError(`invalid pod manifest: ${err.message}`);
    throw err;
  }
  manifest.apps ??= [];
  if (manifest.apps.length === 0) throw new RktError("pod must contain at least one application");
  const images = manifest.apps.map((ra): StoredAppImage => {
    let key: string;
    try {
      key = ctx.store.resolveId(ra.image.id);
    } catch (err) {
      if (err instanceof StoreError || err instanceof ImageNotFoundError) {
        throw new RktError(`app ${ra.name}: image ${ra.image.id} is not in the store (fetch it first): ${err.message}`);
      }
      throw err;
    }
    const image = ctx.store.manifest(key);
    if (!effectiveApp(ra, image)) throw new RktError(`app ${ra.name}: no app section in the pod manifest or the image manifest`);
    return { key, manifest: image };
  });
  return { manifest, images };
}

/**
 * Go writes a nil list or map as null, and reads it back as absent; the stage1s see
 * absent fields only.
 */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)]));
  }
  return v;
}
