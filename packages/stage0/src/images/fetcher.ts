// Turning an image argument into an image in the store, as rkt's finder does: an ID from
// the store, a file, a URL, or a name looked up in the store.
import { checkRunnableOSArch, formatImageString, hostArch, hostOS } from "@rkt/appc";
import type { ImageManifest } from "@rkt/stage1-api";
import { ImageNotFoundError, readAciManifest, StoreError } from "@rkt/store";
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { ascPathFor, ascUrlFor } from "./signature.js";
import { classifyImage, type ImageSource } from "./source.js";

// Each kind of source (discovery, HTTP, registries, signatures) is imported when an image of
// that kind is fetched: `rkt run <image ID>` loads none of their HTTP, TLS and OpenPGP code.

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
  /** While an image's dependencies are fetched: they are stored, not rendered one by one. */
  private fetchingDependencies = false;
  private pullPolicy: PullPolicy = "new";

  constructor(private readonly ctx: RktContext) {}

  async fetch(arg: string, opts: FetchOptions): Promise<FetchedImage> {
    const source = classifyImage(arg);
    this.pullPolicy = opts.pullPolicy;
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
        // rkt's fetchSingleImageByName: the store first (except with --pull-policy=update),
        // then appc discovery.
        if (opts.pullPolicy !== "update") {
          const found = store.findByName(source.name, source.labels);
          if (found) {
            this.ctx.reporter.debugLog("image", `using image from local store for image name ${source.display}`);
            return { key: found.key, manifest: store.manifest(found.key) };
          }
        }
        if (opts.pullPolicy === "never") {
          throw new RktError(
            `unable to fetch image from image name ${source.display}: either image was not found in the store or store was disabled and fetching from remote yielded nothing or it was disabled`,
          );
        }
        const { NameFetcher } = await import("./by-name.js");
        return new NameFetcher(this.ctx, (f, l, latest) => this.importAci(f, l, latest)).fetch({
          name: source.name,
          labels: source.labels,
          signature: opts.signature,
        });
      }
      case "docker":
      case "oci-layout":
      case "oci-archive":
      case "docker-archive":
        return (await import("./oci-fetch.js")).fetchOciImage(this.ctx, source.display, opts); // OCI/Docker images (issue 6)
      default:
        throw new RktError(`${(source as ImageSource).kind} images are not supported yet: ${(source as ImageSource).display}`);
    }
  }

  /**
   * rkt's fileFetcher: a local image is verified against `--signature` or the `.aci.asc`
   * beside it, before it enters the store.
   */
  private async verifyFile(file: string, label: string, opts: FetchOptions): Promise<void> {
    if (this.ctx.insecure.image) {
      this.ctx.reporter.log("image", "warning: image signature verification has been disabled");
      return;
    }
    const sigPath = opts.signature ? resolve(opts.signature) : ascPathFor(file);
    let signature: Buffer;
    try {
      signature = readFileSync(sigPath);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? `open ${sigPath}: no such file or directory` : (err as Error).message;
      throw new RktError(
        `error opening signature file: ${why} (sign ${label} with gpg --armor --detach-sign, give --signature=FILE, or use --insecure-options=image to skip verification)`,
      );
    }
    const { ImageVerifier } = await import("./verify.js");
    const manifest = await wrapStoreAsync(() => readAciManifest(file, label));
    await new ImageVerifier(this.ctx).verify({ file, label, manifest, signature, signatureLabel: sigPath });
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
    this.ctx.reporter.debugLog("image", `using image from file ${file}`);
    await this.verifyFile(file, label, opts);
    return this.importAci(file, label);
  }

  /**
   * Imports an ACI and renders it (as rkt does on fetch). An image that cannot be rendered
   * (a hostile layer, a missing dependency) is taken out of the store again.
   */
  private async importAci(file: string, label: string, latest = false): Promise<FetchedImage> {
    const store = this.ctx.store;
    const res = await wrapStoreAsync(() => store.importAci(file, { label, latest }));
    if (this.fetchingDependencies) return { key: res.key, manifest: res.manifest };
    try {
      await this.fetchDependencies(res.manifest);
      await store.renderTree(res.key);
    } catch (err) {
      if (res.added) store.remove(res.key);
      if (err instanceof Error && err.name !== "TypeError") throw new RktError(`${label}: ${err.message}`, { cause: err });
      throw err;
    }
    return { key: res.key, manifest: res.manifest };
  }

  /**
   * rkt's fetchImageDeps: the dependencies an image names that are not in the store are
   * fetched by name and labels (the store first, then discovery, as the pull policy says),
   * breadth first, theirs after them; each once. The image's tree is rendered afterwards,
   * with all of them.
   */
  private async fetchDependencies(top: ImageManifest): Promise<void> {
    if (!top.dependencies?.length) return;
    const queue: ImageManifest[] = [top];
    const seen = new Set<string>();
    this.fetchingDependencies = true;
    try {
      for (let i = 0; i < queue.length; i++) {
        for (const dep of queue[i]!.dependencies ?? []) {
          const labels = { os: hostOS(), arch: hostArch(), ...Object.fromEntries((dep.labels ?? []).map((l) => [l.name, l.value])) };
          const display = formatImageString({ name: dep.imageName, labels: Object.fromEntries((dep.labels ?? []).map((l) => [l.name, l.value])) });
          const id = `${dep.imageID ?? ""} ${formatImageString({ name: dep.imageName, labels })}`;
          if (seen.has(id)) continue;
          seen.add(id);
          const stored = dep.imageID ? this.storedKey(dep.imageID) : undefined;
          const image = stored
            ? { key: stored, manifest: this.ctx.store.manifest(stored) }
            : await this.fetchSource(
                { kind: "name", name: dep.imageName, labels: Object.entries(labels).map(([name, value]) => ({ name, value })), display },
                { pullPolicy: this.pullPolicy },
              );
          queue.push(image.manifest);
        }
      }
    } finally {
      this.fetchingDependencies = false;
    }
  }

  private storedKey(id: string): string | undefined {
    try {
      return this.ctx.store.resolveId(id);
    } catch {
      return undefined;
    }
  }

  /**
   * rkt's fetchSingleImageByHTTPURL: the stored copy unless --pull-policy=update, else the
   * server (which may still say the stored copy is current). A direct http:// URL is
   * fetched without --insecure-options=http, as rkt 1.30 does; its signature still counts.
   */
  private async fetchUrl(url: string, opts: FetchOptions): Promise<FetchedImage> {
    if (url.startsWith("file://")) return this.importFile(fileURLToPath(url), url, opts);
    const { RemoteAciFetcher } = await import("./remote.js");
    const remote = new RemoteAciFetcher(this.ctx, (f, l, latest) => this.importAci(f, l, latest));
    const cached = remote.cached(url);
    if (cached && opts.pullPolicy !== "update") {
      this.ctx.reporter.debugLog("image", `using image from local store for url ${url}`);
      return { key: cached.key, manifest: this.ctx.store.manifest(cached.key) };
    }
    if (opts.pullPolicy === "never") {
      throw new RktError(`unable to fetch image from URL ${url}: either image was not found in the store or store was disabled and fetching from remote yielded nothing or it was disabled`);
    }
    this.ctx.reporter.debugLog("image", `remote fetching from URL ${JSON.stringify(url)}`);
    return remote.fetch({
      url,
      signature: opts.signature ? { kind: "file", path: resolve(opts.signature) } : { kind: "url", url: ascUrlFor(url) },
      allowHttp: true,
      latest: false,
    });
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

