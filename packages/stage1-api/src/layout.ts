// rkt's pod directory layout: the paths a stage1 reads and writes, relative to the pod dir.
import { join } from "node:path";

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
  /** Optional, written by a stage1 that runs pods in VMs: its hypervisor (qemu-kvm, qemu-tcg). */
  hypervisor: "hypervisor",
} as const;

/** <stage1 root>/opt/stage2/<app>/rootfs */
export function appRootfs(stage1Root: string, app: string): string {
  return join(stage1Root, "opt", "stage2", app, "rootfs");
}

/** <stage1 root>/rkt/status/<app>: the app's exit code as decimal text. */
export function appStatusFile(stage1Root: string, app: string): string {
  return join(stage1Root, "rkt", "status", app);
}

/** <stage1 root>/rkt/env/<app>: the app's environment, one K=V per line. */
export function appEnvFile(stage1Root: string, app: string): string {
  return join(stage1Root, "rkt", "env", app);
}
