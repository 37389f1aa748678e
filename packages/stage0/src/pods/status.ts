// What `rkt list` and `rkt status` report about a pod, read from its directory alone.
import type { PodManifest } from "@rkt/stage1-api";
import { appInfoDir, appStatusFile, podLayout, sharedVolumeDir, UnsafePathError } from "@rkt/stage1-api";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { OVERLAY_MARKER } from "./layout.js";
import type { Pod, PodState } from "./pods.js";

export interface NetInfo {
  netName: string;
  netConf?: string;
  pluginPath?: string;
  ifName?: string;
  ip?: string;
  args?: string;
  mask?: string;
}

export interface AppStatus {
  name: string;
  imageName?: string;
  imageVersion?: string;
  imageId?: string;
  state: "created" | "running" | "exited" | "unknown";
  exitCode?: number;
  finishedAt?: Date;
  mounts: { name: string; containerPath: string; hostPath: string; readOnly: boolean }[];
  userAnnotations?: Record<string, string>;
  userLabels?: Record<string, string>;
}

export interface PodStatus {
  uuid: string;
  state: PodState;
  manifest?: PodManifest;
  createdAt?: Date;
  startedAt?: Date;
  pid?: number;
  /** <pod>/hypervisor, written by VM-based stage1s (kvm). */
  hypervisor?: string;
  networks: NetInfo[];
  apps: AppStatus[];
}

/** rkt/status/<app> is in the overlay's upper dir when the stage1 root is an overlay. */
function statusFiles(pod: Pod): string {
  return join(pod.dir, podLayout.stage1Root);
}

function readExit(pod: Pod, app: string): { code: number; at: Date } | undefined {
  try {
    const file = appStatusFile(statusFiles(pod), app);
    const code = Number(readFileSync(file, "utf8").trim());
    if (!Number.isInteger(code)) return undefined;
    return { code, at: new Date(Math.floor(statSync(file).mtimeMs)) };
  } catch {
    return undefined;
  }
}

function readHypervisor(pod: Pod): string | undefined {
  try {
    return readFileSync(pod.file(podLayout.hypervisor), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

export function readNetworks(pod: Pod): NetInfo[] {
  try {
    const nets = JSON.parse(readFileSync(pod.file(podLayout.netInfo), "utf8")) as NetInfo[];
    return Array.isArray(nets) ? nets : [];
  } catch {
    return [];
  }
}

export function podStatus(pod: Pod): PodStatus {
  const state = pod.state();
  const manifest = pod.tryManifest();
  const running = state === "running";
  const ran = running || state === "exited" || state === "exited garbage" || state === "exited deleting" || state === "deleting";
  const apps: AppStatus[] = (manifest?.apps ?? []).map((ra) => {
    const exit = ran ? readExit(pod, ra.name) : undefined;
    const version = ra.image.labels?.find((l) => l.name === "version")?.value;
    let imageName = ra.image.name;
    try {
      imageName = JSON.parse(readFileSync(join(appInfoDir(pod.dir, ra.name), "manifest"), "utf8")).name ?? imageName;
    } catch {
      // the manifest copy is optional for listing
    }
    return {
      name: ra.name,
      imageName,
      imageVersion: version,
      imageId: ra.image.id,
      state: exit ? "exited" : running ? "running" : ran ? "unknown" : "created",
      exitCode: exit?.code,
      finishedAt: exit?.at,
      mounts: (ra.mounts ?? []).map((m) => {
        const vol = manifest?.volumes?.find((v) => v.name === m.volume) ?? m.appVolume;
        return {
          name: m.volume,
          containerPath: m.path,
          hostPath: vol?.kind === "host" ? (vol.source ?? "") : unlessUnsafe(() => sharedVolumeDir(pod.dir, m.volume)),
          readOnly: vol?.readOnly ?? false,
        };
      }),
      userAnnotations: ra.app?.userAnnotations,
      userLabels: ra.app?.userLabels,
    };
  });
  const prepared = state !== "embryo" && state !== "preparing" && state !== "aborted prepare";
  return {
    uuid: pod.uuid,
    state,
    manifest,
    createdAt: prepared ? pod.createdAt() : undefined,
    startedAt: ran ? pod.startedAt() : undefined,
    pid: ran ? pod.pid() : undefined,
    hypervisor: ran ? readHypervisor(pod) : undefined,
    networks: ran ? readNetworks(pod) : [],
    apps,
  };
}

/**
 * A path of a pod's, or "" when the pod's manifest holds a name that is not a plain path
 * component (a pod prepared by an rkt-ts that did not check names): listing never fails.
 */
function unlessUnsafe(path: () => string): string {
  try {
    return path();
  } catch (err) {
    if (err instanceof UnsafePathError) return "";
    throw err;
  }
}

/** Whether a pod's directory still has the overlay marker (it used overlayfs). */
export function usesOverlay(pod: Pod): boolean {
  return existsSync(pod.file(OVERLAY_MARKER));
}

export function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
