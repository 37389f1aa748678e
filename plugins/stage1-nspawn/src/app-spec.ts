// The spec of one app of an nspawn pod for the pod's init: the kit's (the kvm flavor's too),
// with the read-only paths systemd-nspawn leaves writable, the app's cgroups, and its
// seccomp syscalls in a list file of the pod (seccomp-lists.ts), one per distinct list.
import { SpecBuilder } from "@rkt/isolation";
import { appInitSpec, type AppInitSpecInput } from "@rkt/stage1-kit";

/**
 * rkt's read-only paths that systemd-nspawn leaves writable. The others of rkt's list
 * (/proc/bus, /proc/sys/kernel/core_pattern, /proc/sys/kernel/modprobe, /proc/sys/vm/panic_on_oom
 * and /sys/{block,bus,class,dev,devices,kernel}) are read-only already: nspawn mounts /proc/sys,
 * /proc/bus and the whole of /sys read-only, and the apps' binds keep that.
 */
export const READONLY_PATHS: readonly string[] = ["/proc/sysrq-trigger"];

/** The kit's input but the read-only paths, which are nspawn's. */
export type AppSpecInput = Omit<AppInitSpecInput, "readonlyPaths">;

export function appSpec(input: AppSpecInput): SpecBuilder {
  // Every filter of an nspawn pod is in a list file (the kit would write it inline otherwise).
  if (input.isolation.seccomp && !input.seccompFile) throw new Error(`app ${input.app.name}: internal: no seccomp file for its filter`);
  return appInitSpec(new SpecBuilder(), { ...input, readonlyPaths: READONLY_PATHS });
}
