// Which volume is mounted where in an app, following rkt's GenerateMounts: the app's
// explicit mounts first, then each image mount point matched to a volume by name, and an
// implicit empty volume for a mount point that has none; mounted parents first.
import type { App, PodManifest, RuntimeApp, Volume } from "@rkt/stage1-api";
import { sharedVolumeDir } from "@rkt/stage1-api";
import { resolveInRoot } from "./root-path.js";

export class MountError extends Error {}

export interface AppMount {
  volume: Volume;
  /**
   * Path inside the app's root, as given but absolute: as in rkt, a relative target is taken
   * from the app's root (the isolation helper resolves it, symlinks and `..`, inside the root).
   */
  target: string;
  readOnly: boolean;
  recursive: boolean;
  /** The host path that is bind-mounted: the host source or the empty volume's backing dir. */
  source: string;
  /**
   * Docker volume semantics: an implicit volume of an image from Docker/OCI starts with the
   * image's content at the mount point (this host path, inside the image's root).
   */
  populateFrom?: string;
}

export interface MountOptions {
  podDir: string;
  /** Whether host volumes are bound recursively unless they say otherwise (rkt: nspawn yes, fly no). */
  recursiveByDefault: boolean;
  /** The image's root when the image comes from Docker/OCI (annotation appc.io/docker/repository). */
  dockerImageRoot?: string;
}

export function appMounts(pod: PodManifest, ra: RuntimeApp, app: App | undefined, opts: MountOptions): AppMount[] {
  const volumes = new Map<string, Volume>((pod.volumes ?? []).map((v) => [v.name, v]));
  const mountPoints = app?.mountPoints ?? [];
  const out: AppMount[] = [];
  const seen = new Set<string>();

  const add = (volume: Volume, target: string, mpReadOnly: boolean | undefined, populateFrom?: string): void => {
    const norm = normalizeTarget(target);
    if (seen.has(norm)) throw new MountError(`duplicate mount given: ${norm} in app ${ra.name}`);
    seen.add(norm);
    out.push({
      volume,
      target: target.startsWith("/") ? target : `/${target}`,
      readOnly: volume.readOnly ?? mpReadOnly ?? false,
      recursive: volume.kind === "host" ? (volume.recursive ?? opts.recursiveByDefault) : false,
      source: volume.kind === "host" ? volume.source! : sharedVolumeDir(opts.podDir, volume.name),
      ...(populateFrom !== undefined ? { populateFrom } : {}),
    });
  };

  for (const m of ra.mounts ?? []) {
    const volume = m.appVolume ?? volumes.get(m.volume);
    if (!volume) throw new MountError(`dangling mount point ${JSON.stringify(m.path)}: volume ${JSON.stringify(m.volume)} not found`);
    if (volume.kind !== "host" && volume.kind !== "empty") {
      throw new MountError(`volume ${volume.name}: kind ${JSON.stringify(volume.kind)} is not supported (use host or empty)`);
    }
    const mp = mountPoints.find((p) => normalizeTarget(p.path) === normalizeTarget(m.path));
    add(volume, m.path, mp?.readOnly);
  }
  for (const mp of mountPoints) {
    if (seen.has(normalizeTarget(mp.path))) continue;
    const given = volumes.get(mp.name);
    const volume = given ?? implicitEmptyVolume(ra.name, mp.name);
    // rkt's Docker volume semantics apply to implicit volumes only: a volume the user
    // gives is used as it is.
    const populate = !given && opts.dockerImageRoot !== undefined ? resolveInRoot(opts.dockerImageRoot, mp.path) : undefined;
    add(volume, mp.path, mp.readOnly, populate);
  }
  // Parents before what is mounted inside them, as systemd-nspawn orders rkt's binds: a
  // volume on /a then one on /a/b/c, never the other way round (which would hide /a/b/c).
  const depth = (m: AppMount): number => normalizeTarget(m.target).split("/").length;
  return out.sort((a, b) => depth(a) - depth(b));
}

/**
 * Whether a volume is mounted on `path` or on a directory above it: what the app asked for
 * there wins over the files a stage1 generates (/etc/hosts, /etc/resolv.conf), as in rkt.
 */
export function mountedOver(mounts: readonly AppMount[], path: string): boolean {
  const p = normalizeTarget(path);
  return mounts.some((m) => {
    const t = normalizeTarget(m.target);
    return t === p || t === "/" || p.startsWith(`${t}/`);
  });
}

/** rkt names an implicit volume after the app and the mount point. */
export function implicitEmptyVolume(app: string, mountPoint: string): Volume {
  return { name: `${app}-${mountPoint}`, kind: "empty", mode: "0755", uid: 0, gid: 0 };
}

function normalizeTarget(p: string): string {
  const parts: string[] = [];
  for (const c of p.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") parts.pop();
    else parts.push(c);
  }
  return "/" + parts.join("/");
}
