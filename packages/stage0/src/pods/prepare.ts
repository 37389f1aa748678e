// Preparing a pod, rkt's way: fetch the images, build the manifest, then create the pod
// directory (embryo -> prepare, exclusively locked), render the images and lay out the
// pod. Everything that can be checked is checked before the pod directory exists, so bad
// input never leaves a pod behind; a failure after that removes the half-made pod.
import type { ExposedPort, Logger, NetworkRequest, PodManifest, Volume } from "@rkt/stage1-api";
import { isStage1Error, writeFileAtomic } from "@rkt/stage1-api";
import { StoreError } from "@rkt/store";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { ImageFetcher, type PullPolicy } from "../images/fetcher.js";
import { takeLock, type HeldLock } from "../locks.js";
import { checkCapabilities, type PodRequirements } from "../stage1/capabilities.js";
import { loadStage1, type LoadedStage1 } from "../stage1/registry.js";
import { installStage1Image } from "../stage1/image-stage1.js";
import { selectStage1, stage1Record, type Stage1Selection } from "../stage1/select.js";
import { layoutPod, podContext, type PreparedApp } from "./layout.js";
import { buildPodManifest, type AppRequest, type EnvOptions, type ResolvedAppImage } from "./manifest.js";
import { checkNetworks } from "./network.js";
import type { Pod } from "./pods.js";
import { resolvePorts } from "./ports.js";
import { removePodDir } from "./remove.js";
import { effectiveApp, readUserPodManifest, type StoredAppImage } from "./user-manifest.js";

export interface PreparePodRequest {
  /** --pod-manifest: a pod manifest file used instead of `apps` and the pod-shaping options. */
  podManifest?: string;
  apps: AppRequest[];
  volumes: Volume[];
  globalMounts: { volume: string; target: string }[];
  env: EnvOptions;
  userAnnotations: [string, string][];
  userLabels: [string, string][];
  noOverlay: boolean;
  pullPolicy: PullPolicy;
  stage1: Stage1Selection;
  uuidFileSave?: string;
  /** --port: host ports forwarded to named app ports (the pod manifest's ports). */
  ports?: ExposedPort[];
  /** rkt run's --net list, checked before anything is fetched or made; absent for rkt prepare. */
  net?: NetworkRequest[];
  requirements: Omit<PodRequirements, "appCount" | "emptyVolumes" | "isolators" | "ports">;
}

export interface PreparedPod {
  pod: Pod;
  lock: HeldLock;
  stage1: LoadedStage1;
  manifest: PodManifest;
  /** Whether the pod gets a network namespace, and whether stage0 makes it (CapabilityOutcome). */
  network: { privateNetwork: boolean; stage0Network: boolean };
}

/** The pod manifest built from the images and the command line's options (rkt's generatePodManifest). */
async function manifestFromRequest(ctx: RktContext, req: PreparePodRequest): Promise<{ manifest: PodManifest; images: StoredAppImage[] }> {
  const fetcher = new ImageFetcher(ctx);
  const images: ResolvedAppImage[] = [];
  for (const app of req.apps) {
    const img = await fetcher.fetch(app.image, { pullPolicy: req.pullPolicy, signature: app.signature, checkRunnable: true });
    images.push({ request: app, key: img.key, manifest: img.manifest });
  }
  const manifest = buildPodManifest({
    apps: images,
    volumes: req.volumes,
    globalMounts: req.globalMounts,
    env: req.env,
    userAnnotations: req.userAnnotations,
    userLabels: req.userLabels,
    ports: req.ports ?? [],
  });
  return { manifest, images };
}

export function stage1Logger(ctx: RktContext): Logger {
  return {
    debug: (m) => ctx.reporter.debug(`stage1: ${m}`),
    info: (m) => ctx.reporter.warn(`stage1: ${m}`),
    warn: (m) => ctx.reporter.warn(`stage1: ${m}`),
  };
}

export function overlaySupported(): boolean {
  try {
    return /\toverlay$/m.test(readFileSync("/proc/filesystems", "utf8"));
  } catch {
    return false;
  }
}

/** Shared while preparing, exclusive during `rkt image gc`: trees in use are never collected. */
export function prepareLock(ctx: RktContext, exclusive: boolean): HeldLock {
  const dir = join(ctx.dataDir, "locks");
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  const file = join(dir, "prepareLock");
  closeSync(openSync(file, "a", 0o640));
  return takeLock(file, { exclusive, block: true })!;
}

/** --uuid-file-save: often a path in /tmp, where a planted symlink must not redirect the write. */
function saveUuid(file: string, uuid: string): void {
  try {
    writeFileAtomic(file, uuid);
  } catch (err) {
    throw new RktError(`--uuid-file-save: cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export async function preparePod(ctx: RktContext, req: PreparePodRequest): Promise<PreparedPod> {
  const selected = await selectStage1(ctx, req.stage1);
  const pkg = selected.pkg;
  const stage1 = await loadStage1(pkg, { logger: stage1Logger(ctx), dataDir: ctx.dataDir });
  ctx.reporter.debug(`using stage1 ${pkg.name}@${pkg.version} from ${pkg.location}`);

  const { manifest, images } =
    req.podManifest !== undefined ? readUserPodManifest(ctx, req.podManifest) : await manifestFromRequest(ctx, req);
  const apps = manifest.apps.map((ra, i) => effectiveApp(ra, images[i]!.manifest));
  resolvePorts(manifest, apps);
  const usesEmptyVolumes =
    manifest.volumes?.some((v) => v.kind === "empty") === true ||
    apps.some((a) => (a?.mountPoints ?? []).some((mp) => !manifest.volumes?.some((v) => v.name === mp.name)));
  // Isolators set by a command-line flag were asked for explicitly; an image's are implied.
  const isolators = manifest.apps.flatMap((ra, i) => {
    const fromFlags = new Set((req.apps[i]?.isolators ?? []).map((iso) => iso.name));
    return (apps[i]?.isolators ?? []).map((iso) => ({ app: ra.name, name: iso.name, explicit: fromFlags.has(iso.name) }));
  });
  const outcome = checkCapabilities(stage1.definition, {
    ...req.requirements,
    appCount: manifest.apps.length,
    emptyVolumes: usesEmptyVolumes,
    isolators,
    ports: manifest.ports?.length ?? 0,
  });
  for (const w of outcome.warnings) ctx.reporter.warn(w);
  if (req.net && outcome.stage0Network) checkNetworks(ctx, req.net);

  let overlay = !req.noOverlay;
  if (overlay && !overlaySupported()) {
    ctx.reporter.warn(`disabling overlay support: "overlay" is not in /proc/filesystems`);
    overlay = false;
  }

  const storeLock = prepareLock(ctx, false);
  const pod = ctx.pods.createEmbryo();
  let lock: HeldLock | undefined;
  try {
    lock = takeLock(pod.dir, { exclusive: true, block: false });
    if (!lock) throw new RktError(`pod ${pod.uuid} is locked by another process`);
    if (req.uuidFileSave) saveUuid(req.uuidFileSave, pod.uuid);
    pod.moveTo("prepare");
    // Each image is looked up and rendered once, however many apps run it.
    const perImage = new Map<string, { tree: { id: string; rootfs: string }; manifestBytes: Buffer }>();
    const prepared: PreparedApp[] = [];
    for (const [i, ra] of manifest.apps.entries()) {
      const key = images[i]!.key;
      let image = perImage.get(key);
      if (!image) {
        image = { tree: await ctx.store.renderTree(key), manifestBytes: ctx.store.manifestBytes(key) };
        perImage.set(key, image);
      }
      prepared.push({ name: ra.name, imageManifestBytes: image.manifestBytes, treeId: image.tree.id, treeRootfs: image.tree.rootfs });
    }
    if (selected.kind === "image") installStage1Image(pod.dir, selected.image);
    ctx.reporter.debug("Writing pod manifest");
    layoutPod(pod, manifest, prepared, stage1Record(selected), overlay);
    await stage1.stage1.prepare?.({ pod: podContext(pod, (id) => ctx.store.paths.treeRootfs(id), manifest) });
    return { pod, lock, stage1, manifest, network: outcome };
  } catch (err) {
    lock?.release();
    // The generic removal: it unmounts whatever a stage1's prepare might have left mounted
    // and never deletes across a mount point. Should it fail, the pod stays an aborted
    // prepare, which rkt gc collects.
    await removePodDir(pod.dir).catch(() => {});
    if (err instanceof StoreError || isStage1Error(err)) throw new RktError(err.message, { cause: err });
    throw err;
  } finally {
    storeLock.release();
  }
}
