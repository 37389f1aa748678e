// Turning an image argument into an image in the store, as rkt's finder does: an ID from
// the store, a file, a URL, or a name looked up in the store.
import { checkRunnableOSArch } from "@rkt/appc";
import type { ImageManifest } from "@rkt/stage1-api";
import { ImageNotFoundError, StoreError } from "@rkt/store";
import { rmSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { download } from "./download.js";
import { classifyImage, type ImageSource } from "./source.js";

export type PullPolicy = "new" | "update" | "never";

export interface FetchOptions {
  pullPolicy: PullPolicy;
  /** --signature for this image. */
  signature?: string;
  /** Check that the image can run on this host (run/prepare). */
  checkRunnable?: boolean;
}

export interface FetchedImage {
  key: string;
  manifest: ImageManifest;
}

export class ImageFetcher {
  constructor(private readonly ctx: RktContext) {}

  async fetch(arg: string, opts: FetchOptions): Promise<FetchedImage> {
    const source = classifyImage(arg);
    const image = await this.fetchSource(source, opts);
    if (opts.checkRunnable) {
      try {
        checkRunnableOSArch(image.manifest);
      } catch (err) {
        throw new RktError(`image ${image.manifest.name}: ${(err as Error).message}`);
      }
    }
    return image;
  }

  private async fetchSource(source: ImageSource, opts: FetchOptions): Promise<FetchedImage> {
    const store = this.ctx.store;
    switch (source.kind) {
      case "hash": {
        const key = wrapStore(() => store.resolveId(source.id));
        this.ctx.reporter.debugLog("image", `using image from the store with hash ${key}`);
        return { key, manifest: store.manifest(key) };
      }
      case "file":
        return this.importFile(source.path, source.path, opts);
      case "url":
        return this.fetchUrl(source.url, opts);
      case "name": {
        const found = store.findByName(source.name, source.labels);
        if (found) {
          this.ctx.reporter.debugLog("image", `using image from local store for image name ${source.display}`);
          return { key: found.key, manifest: store.manifest(found.key) };
        }
        if (opts.pullPolicy === "never") {
          throw new RktError(
            `unable to fetch image from image name ${source.display}: either image was not found in the store or store was disabled and fetching from remote yielded nothing or it was disabled`,
          );
        }
        throw new RktError(
          `image ${source.display} is not in the store, and fetching images by name (appc discovery) is not supported yet: fetch it from a file or URL first`,
        );
      }
      default:
        throw new RktError(`${source.kind} images are not supported yet: ${source.display}`);
    }
  }

  private checkSignaturePolicy(label: string, opts: FetchOptions): void {
    if (this.ctx.insecure.image) {
      this.ctx.reporter.log("image", "warning: image signature verification has been disabled");
      return;
    }
    const hint = opts.signature ? `(--signature ${opts.signature} was given)` : "";
    throw new RktError(
      `${label}: image signature verification is not available in this version of rkt ${hint}; to run unsigned or unverified images, add --insecure-options=image`.replace("  ", " "),
    );
  }

  private async importFile(path: string, label: string, opts: FetchOptions): Promise<FetchedImage> {
    const file = resolve(path);
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      throw new RktError(`${label}: no such file`);
    }
    if (!isFile) throw new RktError(`${label}: not a regular file`);
    this.checkSignaturePolicy(label, opts);
    this.ctx.reporter.debugLog("image", `using image from file ${file}`);
    return this.importAci(file, label);
  }

  /**
   * Imports an ACI and renders it (as rkt does on fetch). An image that cannot be rendered
   * (a hostile layer, a missing dependency) is taken out of the store again.
   */
  private async importAci(file: string, label: string): Promise<FetchedImage> {
    const store = this.ctx.store;
    const res = await wrapStoreAsync(() => store.importAci(file, { label }));
    try {
      await store.renderTree(res.key);
    } catch (err) {
      if (res.added) store.remove(res.key);
      if (err instanceof Error && err.name !== "TypeError") throw new RktError(`${label}: ${err.message}`, { cause: err });
      throw err;
    }
    return { key: res.key, manifest: res.manifest };
  }

  private async fetchUrl(url: string, opts: FetchOptions): Promise<FetchedImage> {
    if (url.startsWith("file://")) return this.importFile(fileURLToPath(url), url, opts);
    const store = this.ctx.store;
    const remote = store.getRemote(url);
    if (remote && store.has(remote.key)) {
      const fresh = remote.cacheMaxAge > 0 && Date.now() < remote.downloadTime + remote.cacheMaxAge * 1000;
      if (opts.pullPolicy !== "update" || fresh) {
        this.ctx.reporter.debugLog(
          "image",
          opts.pullPolicy === "update" ? "image for URL isn't expired, not fetching." : `using image from local store for url ${url}`,
        );
        return { key: remote.key, manifest: store.manifest(remote.key) };
      }
    } else if (opts.pullPolicy === "never") {
      throw new RktError(`unable to fetch image from URL ${url}: either image was not found in the store or store was disabled and fetching from remote yielded nothing or it was disabled`);
    }
    this.checkSignaturePolicy(url, opts);
    this.ctx.reporter.debugLog("image", `remote fetching from URL ${JSON.stringify(url)}`);
    const res = await download(url, {
      tmpDir: store.paths.tmp,
      label: "Downloading ACI",
      etag: remote && store.has(remote.key) ? remote.etag : undefined,
      progress: (t) => this.ctx.reporter.stderr(t),
      tty: process.stderr.isTTY === true,
    });
    if (!res.file) {
      store.setRemote({ ...remote!, downloadTime: Date.now(), cacheMaxAge: res.maxAge });
      return { key: remote!.key, manifest: store.manifest(remote!.key) };
    }
    try {
      const imported = await this.importAci(res.file, url);
      store.setRemote({ url, key: imported.key, etag: res.etag, cacheMaxAge: res.maxAge, downloadTime: Date.now() });
      return { key: imported.key, manifest: imported.manifest };
    } finally {
      rmSync(res.file, { force: true });
    }
  }
}

function wrapStore<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof StoreError || err instanceof ImageNotFoundError) throw new RktError(err.message);
    throw err;
  }
}

async function wrapStoreAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StoreError) throw new RktError(err.message);
    throw err;
  }
}

