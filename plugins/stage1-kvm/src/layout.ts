// Where a kvm pod's files are. The stage1 root (<pod>/stage1/rootfs) is the guest's root
// filesystem, shared over 9p: paths in IN_GUEST are as the guest sees them, the kit's
// `hostPath()` turns them into host paths. The pod init's files are the kit's (IN_STAGE1, as
// in nspawn pods); these are the VM's own. The supervisor's files are in <pod>/kvm/, outside
// the share.
import { IN_STAGE1, layoutPodInitFiles } from "@rkt/stage1-kit";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export const IN_GUEST = {
  ...IN_STAGE1,
  /** The guest init's settings (hostname, network, stdio): vmguest.c. */
  guestSpec: "/rkt/kvm/guest.spec",
  /** resolv.conf for --dns=host in a VM: the host's, with loopback servers replaced by slirp's. */
  hostResolv: "/etc/rkt-resolv-host.conf",
} as const;

/** The supervisor's files, relative to the pod directory. */
export const HOST_FILES = {
  dir: "kvm",
  vmSpec: "kvm/vm.spec",
  podSpec: "kvm/host.spec",
  controlSocket: "kvm/control.sock",
  consoleLog: "kvm/console.log",
  qemuPid: "kvm/qemu.pid",
  /** The supervisor's timings of the VM (boot, exit), written when the VM has ended. */
  timings: "kvm/timings",
} as const;

/**
 * The directories the guest init mounts on (dev, proc, sys are mounted in the guest, over
 * the share), those of the guest spec and the apps' status and environment, then the files
 * the pod init reads (the kit's; the inaccessible file, last, marks a finished layout).
 */
export function layoutStage1Root(stage1Root: string): void {
  for (const d of ["proc", "sys", "dev", "tmp", "rkt/status", "rkt/env", "rkt/kvm", "opt/stage2"]) {
    mkdirSync(join(stage1Root, d), { recursive: true, mode: 0o755 });
  }
  layoutPodInitFiles(stage1Root);
}
