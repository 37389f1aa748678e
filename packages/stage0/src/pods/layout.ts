// Laying out a pod directory at prepare time (rkt's on-disk format), and reading it back
// into the context a stage1 receives.
import type { AppContext, ImageManifest, PodContext, PodManifest, RootfsSource } from "@rkt/stage1-api";
import { appRootfs, podLayout } from "@rkt/stage1-api";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { RktError } from "../errors.js";
import type { Stage1Package } from "../stage1/package-info.js";
import type { Pod } from "./pods.js";

export interface PreparedApp {
  name: string;
  imageManifestBytes: Buffer;
  treeId: string;
  treeRootfs: string;
}

/** The stage1 a pod was prepared with, recorded so enter/stop/gc use exactly that one. */
export interface Stage1Record {
  name: string;
  version: string;
  protocol: string;
  location: string;
  packageName: string;
}

export const STAGE1_RECORD = join("stage1", "plugin.json");
export const OVERLAY_MARKER = "overlay-prepared";

function writeAtomic(path: string, data: string | Buffer, mode = 0o640): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

function overlayDirs(podDir: string, treeId: string, app: string): { upper: string; work: string } {
  return { upper: join(podDir, "overlay", treeId, "upper", app), work: join(podDir, "overlay", treeId, "work", app) };
}

export function layoutPod(pod: Pod, manifest: PodManifest, apps: PreparedApp[], stage1: Stage1Package, overlay: boolean): void {
  const dir = pod.dir;
  const stage1Root = join(dir, podLayout.stage1Root);
  for (const sub of ["rkt/status", "rkt/env", "opt/stage2"]) mkdirSync(join(stage1Root, sub), { recursive: true, mode: 0o755 });
  const record: Stage1Record = {
    name: stage1.name,
    version: stage1.version,
    protocol: stage1.protocol,
    location: stage1.location,
    packageName: stage1.packageName,
  };
  writeAtomic(join(dir, STAGE1_RECORD), JSON.stringify(record, null, 2) + "\n");

  for (const app of apps) {
    const info = join(dir, podLayout.appsInfo, app.name);
    mkdirSync(info, { recursive: true, mode: 0o750 });
    writeAtomic(join(info, "manifest"), app.imageManifestBytes);
    writeAtomic(join(info, "treeStoreID"), app.treeId);
    const root = appRootfs(stage1Root, app.name);
    mkdirSync(root, { recursive: true, mode: 0o755 });
    writeAtomic(join(stage1Root, "opt", "stage2", app.name, "manifest"), app.imageManifestBytes);
    if (overlay) {
      const { upper, work } = overlayDirs(dir, app.treeId, app.name);
      mkdirSync(upper, { recursive: true, mode: 0o755 });
      mkdirSync(work, { recursive: true, mode: 0o700 });
    } else {
      copyTree(app.treeRootfs, root);
    }
  }
  if (overlay) writeAtomic(join(dir, OVERLAY_MARKER), "");
  writeAtomic(join(dir, "pod.lck"), "", 0o600);
  writeAtomic(join(dir, podLayout.manifest), JSON.stringify(manifest));
  writeAtomic(join(dir, podLayout.created), "");
}

/** A full copy preserving owners, modes, links and devices (--no-overlay). */
function copyTree(src: string, dest: string): void {
  const { execFileSync } = createRequire(import.meta.url)("node:child_process") as typeof import("node:child_process");
  try {
    execFileSync("cp", ["-a", "--reflink=auto", `${src}/.`, dest], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    throw new RktError(`copying the image root ${src} into the pod failed: ${(err as { stderr?: Buffer }).stderr?.toString().trim() ?? err}`);
  }
}

export function readStage1Record(pod: Pod): Stage1Record | undefined {
  try {
    return JSON.parse(readFileSync(pod.file(STAGE1_RECORD), "utf8")) as Stage1Record;
  } catch {
    return undefined;
  }
}

/** The context a stage1 receives for a pod, read back from the pod directory. */
export function podContext(pod: Pod, storeTrees: (treeId: string) => string, manifest = pod.tryManifest()): PodContext {
  const dir = pod.dir;
  const stage1Root = join(dir, podLayout.stage1Root);
  const overlay = existsSync(join(dir, OVERLAY_MARKER));
  const apps: AppContext[] = [];
  for (const ra of manifest?.apps ?? []) {
    const info = join(dir, podLayout.appsInfo, ra.name);
    let imageManifest: ImageManifest;
    let treeId: string;
    try {
      imageManifest = JSON.parse(readFileSync(join(info, "manifest"), "utf8")) as ImageManifest;
      treeId = readFileSync(join(info, "treeStoreID"), "utf8").trim();
    } catch {
      continue;
    }
    const rootfsPath = appRootfs(stage1Root, ra.name);
    const rootfs: RootfsSource = overlay
      ? { kind: "overlay", lower: [storeTrees(treeId)], ...overlayDirs(dir, treeId, ra.name) }
      : { kind: "copy", path: rootfsPath };
    apps.push({ name: ra.name, imageManifest, rootfs, rootfsPath });
  }
  return { uuid: pod.uuid, dir, manifest, apps, stage1Root };
}
