// Laying out a pod directory at prepare time (rkt's on-disk format), and reading it back
// into the context a stage1 receives.
import type { AppContext, ImageManifest, PodContext, PodManifest, RootfsSource } from "@rkt/stage1-api";
import { appInfoDir, appRootfs, podLayout, safeJoin } from "@rkt/stage1-api";
import { createRequire } from "node:module";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { RktError } from "../errors.js";
import type { Pod } from "./pods.js";

export interface PreparedApp {
  name: string;
  imageManifestBytes: Buffer;
  treeId: string;
  treeRootfs: string;
}

/**
 * The stage1 a pod was prepared with (<pod>/stage1/plugin.json), recorded so enter, stop and
 * gc use exactly that one. A record without `kind` (written before images were supported)
 * is a plugin record.
 */
export type Stage1Record = Stage1PluginRecord | Stage1ImageRecord;

export interface Stage1PluginRecord {
  kind: "plugin";
  name: string;
  version: string;
  /** The protocol range the package declared. */
  protocol: string;
  /** The package directory. */
  location: string;
  packageName: string;
  /** Compiled into rkt (builtins.ts) rather than installed or given by path. */
  builtin?: boolean;
}

/** An rkt stage1 image, run through the bridge plugin; its rootfs is copied into the pod. */
export interface Stage1ImageRecord {
  kind: "image";
  /** The image's key in the store (sha512-...). */
  imageKey: string;
  /** The image's name and version label. */
  name: string;
  version?: string;
  /** coreos.com/rkt/stage1/interface-version (1 when absent). */
  interfaceVersion: number;
}

export const STAGE1_RECORD = join("stage1", "plugin.json");
export const OVERLAY_MARKER = "overlay-prepared";

function writeAtomic(path: string, data: string | Buffer, mode = 0o640): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

function overlayDirs(podDir: string, treeId: string, app: string): { upper: string; work: string } {
  const tree = safeJoin(join(podDir, "overlay"), [treeId], "tree ID");
  return { upper: safeJoin(join(tree, "upper"), [app], "app name"), work: safeJoin(join(tree, "work"), [app], "app name") };
}

export function layoutPod(pod: Pod, manifest: PodManifest, apps: PreparedApp[], record: Stage1Record, overlay: boolean): void {
  // The pod directory is new, private (locked, in prepare/) and deleted whole on failure,
  // so files are written in place and each directory is made once, without the stat calls
  // of a recursive mkdir: metadata operations dominate the preparation of large pods.
  const dir = pod.dir;
  const stage1Root = join(dir, podLayout.stage1Root);
  for (const sub of ["rkt/status", "rkt/env", "opt/stage2"]) mkdirSync(join(stage1Root, sub), { recursive: true, mode: 0o755 });
  mkdirSync(join(dir, podLayout.appsInfo), { mode: 0o750 });
  writeFileSync(join(dir, STAGE1_RECORD), JSON.stringify(record, null, 2) + "\n", { mode: 0o640 });

  const overlayTrees = new Set<string>();
  for (const app of apps) {
    const info = appInfoDir(dir, app.name);
    mkdirSync(info, { mode: 0o750 });
    writeFileSync(join(info, "manifest"), app.imageManifestBytes, { mode: 0o640 });
    writeFileSync(join(info, "treeStoreID"), app.treeId, { mode: 0o640 });
    const rootfs = appRootfs(stage1Root, app.name);
    const stage2 = dirname(rootfs);
    mkdirSync(stage2, { mode: 0o755 });
    mkdirSync(rootfs, { mode: 0o755 });
    writeFileSync(join(stage2, "manifest"), app.imageManifestBytes, { mode: 0o640 });
    if (overlay) {
      const { upper, work } = overlayDirs(dir, app.treeId, app.name);
      if (!overlayTrees.has(app.treeId)) {
        overlayTrees.add(app.treeId);
        mkdirSync(dirname(upper), { recursive: true, mode: 0o755 });
        mkdirSync(dirname(work), { mode: 0o700 });
      }
      mkdirSync(upper, { mode: 0o755 });
      mkdirSync(work, { mode: 0o700 });
      ensureMtab(app.treeRootfs, upper);
    } else {
      copyTree(app.treeRootfs, rootfs);
      ensureMtab(rootfs, rootfs);
    }
  }
  if (overlay) writeFileSync(join(dir, OVERLAY_MARKER), "");
  writeFileSync(join(dir, "pod.lck"), "", { mode: 0o600 });
  // The manifest last: a pod with a manifest is a fully laid out pod.
  writeAtomic(join(dir, podLayout.manifest), JSON.stringify(manifest));
  writeFileSync(join(dir, podLayout.created), "");
}

/**
 * rkt's ensureMtabExists: an image with an /etc directory but no /etc/mtab gets the symlink
 * /etc/mtab -> ../proc/self/mounts (tools such as util-linux's mount read it). `image` is the
 * image's root as rendered, `into` the root the link is made in: the overlay's upper
 * directory (its etc/ made with the image's /etc owner and mode, as overlayfs shows an upper
 * directory's) or the copy. Nothing of the image is followed: /etc must be a real directory.
 */
function ensureMtab(image: string, into: string): void {
  const etc = lstatSync(join(image, "etc"), { throwIfNoEntry: false });
  if (!etc?.isDirectory() || lstatSync(join(image, "etc", "mtab"), { throwIfNoEntry: false })) return;
  const upperEtc = join(into, "etc");
  if (!lstatSync(upperEtc, { throwIfNoEntry: false })) {
    mkdirSync(upperEtc, { mode: etc.mode & 0o7777 });
    chmodSync(upperEtc, etc.mode & 0o7777);
    chownSync(upperEtc, etc.uid, etc.gid);
  }
  symlinkSync("../proc/self/mounts", join(upperEtc, "mtab"));
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
    const rec = JSON.parse(readFileSync(pod.file(STAGE1_RECORD), "utf8")) as Stage1Record | Omit<Stage1PluginRecord, "kind">;
    return "kind" in rec ? rec : { kind: "plugin", ...rec };
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
    const info = appInfoDir(dir, ra.name);
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
