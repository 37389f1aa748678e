// Where a kvm pod's files are. The stage1 root (<pod>/stage1/rootfs) is the guest's root
// filesystem, shared over 9p: paths in IN_GUEST are as the guest sees them, `host()` turns
// them into host paths. The supervisor's own files are in <pod>/kvm/, outside the share.
import { chmodSync, closeSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const IN_GUEST = {
  /** The guest init's settings (hostname, network, stdio): vmguest.c. */
  guestSpec: "/rkt/kvm/guest.spec",
  /** The pod init's spec and one spec per app (init.c, shared with the nspawn flavor). */
  podSpec: "/rkt/pod.spec",
  appSpecs: "/rkt/apps",
  /** Symlink to "ready" once every app is started (rkt status --wait-ready, rkt enter). */
  ready: "/rkt/supervisor-status",
  /** Empty nodes (mode 0000) bound over rkt's masked paths. */
  inaccessibleDir: "/rkt/inaccessible/dir",
  inaccessibleFile: "/rkt/inaccessible/file",
  hostsFallback: "/etc/hosts-fallback",
  stage0Resolv: "/etc/rkt-resolv.conf",
  stage0Hosts: "/etc/rkt-hosts",
  /** The /etc/hosts apps get when they have none: the fallback plus the hostname. */
  defaultHosts: "/etc/rkt-hosts-default",
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

export function appSpecPath(app: string): string {
  return `${IN_GUEST.appSpecs}/${app}.spec`;
}

export function appRootInGuest(app: string): string {
  return `/opt/stage2/${app}/rootfs`;
}

export function host(stage1Root: string, inGuest: string): string {
  return join(stage1Root, inGuest);
}

/** rkt's stage1/net/rootfs/etc/hosts-fallback. */
export const HOSTS_FALLBACK =
  "127.0.0.1 localhost localhost.domain localhost4 localhost4.localdomain4\n" +
  "::1 ip6-localhost ip6-loopback localhost6 localhost6.localdomain6\n" +
  "fe00::0 ip6-localnet\n" +
  "ff00::0 ip6-mcastprefix\n" +
  "ff02::1 ip6-allnodes\n" +
  "ff02::2 ip6-allrouters\n" +
  "ff02::3 ip6-allhosts\n";

/**
 * The directories the guest init mounts on (dev, proc, sys are mounted in the guest, over
 * the share) and the files the pod init reads.
 */
export function layoutStage1Root(stage1Root: string): void {
  for (const d of ["etc", "proc", "sys", "dev", "tmp", "rkt/apps", "rkt/status", "rkt/env", "rkt/kvm", "rkt/inaccessible", "opt/stage2"]) {
    mkdirSync(join(stage1Root, d), { recursive: true, mode: 0o755 });
  }
  writeFileSync(host(stage1Root, IN_GUEST.hostsFallback), HOSTS_FALLBACK);
  const dir = host(stage1Root, IN_GUEST.inaccessibleDir);
  const file = host(stage1Root, IN_GUEST.inaccessibleFile);
  mkdirSync(dir, { recursive: true });
  closeSync(openSync(file, "a"));
  chmodSync(dir, 0);
  chmodSync(file, 0);
}
