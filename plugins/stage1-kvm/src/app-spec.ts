// The spec of one app for the pod init inside the VM (rkt-isolation init, the same code as
// the nspawn flavor's PID 1): the kit's, as an nspawn pod's, with the read-only paths the guest
// leaves writable. The VM is the isolation boundary; inside it the apps get the same
// restrictions as in an nspawn pod. No cgroups (the limits size the VM); the seccomp syscalls
// are written into the spec itself.
import { SpecBuilder } from "@rkt/isolation";
import { appInitSpec, type AppInitSpecInput } from "@rkt/stage1-kit";

/**
 * rkt's read-only paths and runc's. The guest init mounts the stage1's /sys read-only already
 * (which covers /sys/{block,bus,class,dev,devices,kernel}); /proc/sys (core_pattern, modprobe,
 * panic_on_oom among it), /proc/bus, /proc/fs, /proc/irq and /proc/sysrq-trigger are made
 * read-only here, as systemd-nspawn does for the nspawn flavor.
 */
export const READONLY_PATHS: readonly string[] = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

/** The kit's input but what is the flavor's: its read-only paths, no cgroups, no list file. */
export type AppSpecInput = Omit<AppInitSpecInput, "readonlyPaths" | "cgroups" | "seccompFile">;

export function appSpec(input: AppSpecInput): SpecBuilder {
  return appInitSpec(new SpecBuilder(), { ...input, readonlyPaths: READONLY_PATHS, cgroups: [] });
}
