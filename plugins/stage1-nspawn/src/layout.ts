// The stage1 root of an nspawn pod (<pod>/stage1/rootfs): a small directory tree that
// systemd-nspawn boots with the isolation helper as /init. Paths here are as the container
// sees them; the kit's `hostPath()` turns them into host paths. The pod init's files are the
// kit's (IN_STAGE1, shared with the kvm flavor); these are nspawn's own.
import { hostPath, IN_STAGE1, layoutPodInitFiles } from "@rkt/stage1-kit";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";

export const IN_POD = {
  ...IN_STAGE1,
  /** The isolation helper, bound read-only over an empty file at run time. */
  init: "/init",
  /** Where seccomp syscall lists go (seccomp-<digest>.list): one per distinct list, shared. */
  seccomp: "/rkt/apps",
  /** Per-hierarchy mount points of the apps' cgroups (rkt/cgroup/<hierarchy>). */
  cgroups: "/rkt/cgroup",
} as const;

/**
 * Lays out what the stage1 root needs before nspawn can boot it: nspawn insists on /usr
 * (it makes the mount points of its API filesystems itself), the init finds its spec files
 * under /rkt and the inaccessible nodes it masks paths with. stage0 made rkt/status,
 * rkt/env and opt/stage2. /init comes last: run() takes it as the mark of a finished layout.
 */
export function layoutStage1Root(stage1Root: string): void {
  mkdirSync(join(stage1Root, "usr"), { recursive: true, mode: 0o755 });
  layoutPodInitFiles(stage1Root);
  closeSync(openSync(hostPath(stage1Root, IN_POD.init), "a", 0o755));
}
