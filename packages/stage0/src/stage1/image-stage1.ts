// stage0's side of rkt stage1 *images*: getting the image into the store (from a file, a
// URL, the store by hash or by name), rendering it, and copying its root filesystem into a
// new pod. Everything about what the image's annotations mean belongs to the bridge plugin.
//
// Stage1 images are not signature-checked. rkt skipped the check for its trusted locations
// only; here choosing a stage1 (a flag, stage1.d, paths.d) is always an operator's explicit
// act as root, exactly like installing a stage1 plugin package, whose code is not signed
// either: the stage1 runs with full privileges in any case.
import { hostArch, hostOS } from "@rkt/appc";
import type { ImageManifest } from "@rkt/stage1-api";
import { stage1InterfaceVersion, type Stage1Error } from "@rkt/stage1-api";
import { ImageNotFoundError, StoreError } from "@rkt/store";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { download } from "../images/download.js";

export interface Stage1Image {
  key: string;
  manifest: ImageManifest;
  manifestBytes: Buffer;
  name: string;
  version?: string;
  interfaceVersion: number;
  treeId: string;
  treeRootfs: string;
}

async function storeCall<T>(label: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StoreError || err instanceof ImageNotFoundError) throw new RktError(`${label}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** Imports an ACI file into the store (the ID is its content's hash: importing twice is a no-op). */
export async function stage1ImageFromFile(ctx: RktContext, file: string, label = file): Promise<string> {
  ctx.reporter.debugLog("image", `using image from file ${file}`);
  const res = await storeCall(label, () => ctx.store.importAci(file, { label }));
  return res.key;
}

/** Downloads an ACI over http(s) once; later runs use the copy in the store (pull policy "new"). */
export async function stage1ImageFromUrl(ctx: RktContext, url: string): Promise<string> {
  const store = ctx.store;
  const remote = store.getRemote(url);
  if (remote && store.has(remote.key)) {
    ctx.reporter.debugLog("image", `using image from local store for url ${url}`);
    return remote.key;
  }
  ctx.reporter.debugLog("image", `remote fetching from URL ${JSON.stringify(url)}`);
  if (ctx.insecure.tls) ctx.reporter.log("image", "warning: TLS verification has been disabled");
  const res = await download(url, {
    tmpDir: store.paths.tmp,
    label: "Downloading ACI",
    insecureTls: ctx.insecure.tls,
    progress: (t) => ctx.reporter.stderr(t),
    log: (t) => ctx.reporter.log("image", t),
    tty: process.stderr.isTTY === true,
  });
  try {
    const key = (await storeCall(url, () => store.importAci(res.file, { label: url }))).key;
    store.setRemote({ url, key, etag: res.etag, cacheMaxAge: res.maxAge, downloadTime: Date.now() });
    return key;
  } finally {
    res.done();
  }
}

/** --stage1-hash: an image that is already in the store. */
export async function stage1ImageFromHash(ctx: RktContext, hash: string): Promise<string> {
  const key = await storeCall(hash, () => ctx.store.resolveId(hash));
  ctx.reporter.debugLog("image", `using image from the store with hash ${key}`);
  return key;
}

/** An image in the store by name (and version), with the host's os/arch, as rkt looks it up. */
export function stage1ImageByName(ctx: RktContext, name: string, version?: string): string | undefined {
  const labels = [
    ...(version !== undefined ? [{ name: "version", value: version }] : []),
    { name: "os", value: hostOS() },
    { name: "arch", value: hostArch() },
  ];
  const found = ctx.store.findByName(name, labels);
  if (found) ctx.reporter.debugLog("image", `using image from local store for image name ${version !== undefined ? `${name}:${version}` : name}`);
  return found?.key;
}

/** Renders the image (once; the tree is shared by every pod) and reads what a pod records. */
export async function renderStage1Image(ctx: RktContext, key: string): Promise<Stage1Image> {
  const store = ctx.store;
  const record = await storeCall(key, () => store.get(key));
  const manifest = store.manifest(key);
  const tree = await storeCall(manifest.name, () => store.renderTree(key));
  let interfaceVersion: number;
  try {
    interfaceVersion = stage1InterfaceVersion(manifest);
  } catch (err) {
    throw new RktError(`stage1 image ${manifest.name}: ${(err as Stage1Error).message}`);
  }
  return {
    key,
    manifest,
    manifestBytes: record.manifestBytes,
    name: manifest.name,
    version: manifest.labels?.find((l) => l.name === "version")?.value,
    interfaceVersion,
    treeId: tree.id,
    treeRootfs: tree.rootfs,
  };
}

/**
 * Gives a new pod its own copy of the stage1's root filesystem, its manifest and the tree
 * it came from (rkt's stage1/rootfs, stage1/manifest and stage1TreeStoreID). A copy rather
 * than an overlay mount: the pod then needs no mount outside the stage1's own namespace,
 * survives reboots and image gc, and `rkt enter`/`stop`/`gc` find the entrypoints as they
 * were when the pod was prepared. Stage1 images are small (programs, not distributions).
 */
export function installStage1Image(podDir: string, image: Stage1Image): void {
  const root = join(podDir, "stage1", "rootfs");
  const { execFileSync } = createRequire(import.meta.url)("node:child_process") as typeof import("node:child_process");
  try {
    mkdirSync(root, { recursive: true, mode: 0o755 });
    execFileSync("cp", ["-a", "--reflink=auto", `${image.treeRootfs}/.`, root], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    throw new RktError(`copying the stage1 image ${image.name} into the pod failed: ${(err as { stderr?: Buffer }).stderr?.toString().trim() ?? err}`);
  }
  writeFileSync(join(podDir, "stage1", "manifest"), image.manifestBytes, { mode: 0o640 });
  writeFileSync(join(podDir, "stage1TreeStoreID"), image.treeId, { mode: 0o640 });
}
