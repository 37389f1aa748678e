// The stage1 root of an nspawn pod (<pod>/stage1/rootfs): a small directory tree that
// systemd-nspawn boots with the isolation helper as /init. Paths here are as the container
// sees them; `host()` turns them into host paths.
import { closeSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const IN_POD = {
  /** The isolation helper, bound read-only over an empty file at run time. */
  init: "/init",
  /** The init's pod spec. */
  podSpec: "/rkt/pod.spec",
  /** One spec per app. */
  appSpecs: "/rkt/apps",
  /** Symlink to "ready" once every app is started (rkt status --wait-ready). */
  ready: "/rkt/supervisor-status",
  /** Empty nodes (mode 0000) bound over rkt's masked paths. */
  inaccessibleDir: "/rkt/inaccessible/dir",
  inaccessibleFile: "/rkt/inaccessible/file",
  /** Where seccomp syscall lists go (seccomp-<digest>.list): one per distinct list, shared. */
  seccomp: "/rkt/apps",
  /** Per-hierarchy mount points of the apps' cgroups (rkt/cgroup/<hierarchy>). */
  cgroups: "/rkt/cgroup",
  /** rkt's default /etc/hosts entries. */
  hostsFallback: "/etc/hosts-fallback",
  /** Written by stage0 with --dns / --hosts-entry. */
  stage0Resolv: "/etc/rkt-resolv.conf",
  stage0Hosts: "/etc/rkt-hosts",
  /** The /etc/hosts apps get when they have none: the fallback plus the hostname. */
  defaultHosts: "/etc/rkt-hosts-default",
} as const;

export function appSpecPath(app: string): string {
  return `${IN_POD.appSpecs}/${app}.spec`;
}

export function appRootInPod(app: string): string {
  return `/opt/stage2/${app}/rootfs`;
}

export function host(stage1Root: string, inPod: string): string {
  return join(stage1Root, inPod);
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
 * Lays out what the stage1 root needs before nspawn can boot it: nspawn insists on /usr
 * (it makes the mount points of its API filesystems itself), the init finds its spec files
 * under /rkt and the inaccessible nodes it masks paths with. stage0 made rkt/status,
 * rkt/env and opt/stage2. Few directories: this is on every pod's start path.
 */
export function layoutStage1Root(stage1Root: string): void {
  for (const d of ["usr", "etc", "rkt/apps", "rkt/inaccessible"]) mkdirSync(join(stage1Root, d), { recursive: true, mode: 0o755 });
  closeSync(openSync(host(stage1Root, IN_POD.init), "a", 0o755));
  writeFileSync(host(stage1Root, IN_POD.hostsFallback), HOSTS_FALLBACK);
  // Mode 0000 from the start: mkdir and open apply the umask, which only removes bits.
  mkdirSync(host(stage1Root, IN_POD.inaccessibleDir), { mode: 0 });
  closeSync(openSync(host(stage1Root, IN_POD.inaccessibleFile), "a", 0));
}
