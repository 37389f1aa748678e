// rkt's pod directory layout: the paths a stage1 reads and writes, relative to the pod dir.
//
// Names (apps, volumes, UUIDs...) become path components here. They are validated against
// their grammar long before (@rkt/appc's name checks), and checked again at this layer as
// defence in depth: every path built from a name goes through safeJoin, which refuses any
// component that is not one plain file name, so no validation gap upstream can turn a name
// into `..` or a path elsewhere on the host.
import { join } from "node:path";
import { Stage1Error } from "./errors.js";

export const podLayout = {
  manifest: "pod",
  created: "pod-created",
  pid: "pid",
  ppid: "ppid",
  pgid: "pgid",
  stage1Root: join("stage1", "rootfs"),
  stage1Manifest: join("stage1", "manifest"),
  appsInfo: "appsinfo",
  netInfo: "net-info.json",
  sharedVolumes: "sharedVolumes",
  /** In the stage1 root: a symlink to "ready" once every app is started (rkt status --wait-ready). */
  supervisorStatus: join("rkt", "supervisor-status"),
  /** Optional, written by a stage1 that runs pods in VMs: its hypervisor (qemu-kvm, qemu-tcg). */
  hypervisor: "hypervisor",
} as const;

/** Longest file name Linux filesystems take (NAME_MAX), in bytes. */
export const NAME_MAX = 255;

/**
 * Why `name` is not one plain path component, or undefined when it is one: not empty, not
 * `.` or `..`, no `/`, no NUL or other control character, at most NAME_MAX bytes.
 */
export function pathComponentProblem(name: string): string | undefined {
  if (typeof name !== "string" || name === "") return "it is empty";
  if (name === "." || name === "..") return `${JSON.stringify(name)} names a directory, not an entry in it`;
  if (name.includes("/")) return `it contains "/"`;
  if (/[\u0000-\u001f\u007f]/.test(name)) return "it contains a control character (NUL, newline...)";
  if (Buffer.byteLength(name) > NAME_MAX) return `it is longer than ${NAME_MAX} bytes`;
  return undefined;
}

/** A name that would have become a path component but is not a plain name (see safeJoin). */
export class UnsafePathError extends Stage1Error {
  constructor(
    readonly what: string,
    readonly value: string,
    readonly problem: string,
  ) {
    super(`refusing ${what} ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value)} as a path component: ${problem}`);
    this.name = "UnsafePathError";
  }
}

/** Returns `name` when it is one plain path component; throws UnsafePathError otherwise. */
export function pathComponent(name: string, what = "name"): string {
  const problem = pathComponentProblem(name);
  if (problem !== undefined) throw new UnsafePathError(what, String(name), problem);
  return name;
}

/**
 * `base` joined with `components`, each of which must be one plain path component: the
 * only way names (an app's, a volume's, a UUID...) become paths. `what` names them in the
 * error ("app name").
 */
export function safeJoin(base: string, components: readonly string[], what = "name"): string {
  for (const c of components) pathComponent(c, what);
  return join(base, ...components);
}

/** <stage1 root>/opt/stage2/<app>/rootfs */
export function appRootfs(stage1Root: string, app: string): string {
  return join(safeJoin(join(stage1Root, "opt", "stage2"), [app], "app name"), "rootfs");
}

/** <stage1 root>/rkt/status/<app>: the app's exit code as decimal text. */
export function appStatusFile(stage1Root: string, app: string): string {
  return safeJoin(join(stage1Root, "rkt", "status"), [app], "app name");
}

/** <stage1 root>/rkt/env/<app>: the app's environment, one K=V per line. */
export function appEnvFile(stage1Root: string, app: string): string {
  return safeJoin(join(stage1Root, "rkt", "env"), [app], "app name");
}

/** <pod>/appsinfo/<app>: stage0's record of an app (its image manifest and tree). */
export function appInfoDir(podDir: string, app: string): string {
  return safeJoin(join(podDir, podLayout.appsInfo), [app], "app name");
}

/** <pod>/sharedVolumes/<volume>: the backing directory of a kind=empty volume. */
export function sharedVolumeDir(podDir: string, volume: string): string {
  return safeJoin(join(podDir, podLayout.sharedVolumes), [volume], "volume name");
}
