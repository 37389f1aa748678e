// The stage1 root (<pod>/stage1/rootfs) of a pod whose apps run under the shared pod init
// (rkt-isolation init): systemd-nspawn boots it as a container, the kvm flavor shares it with
// its VM over 9p. Both keep the init's specs, its ready link, the inaccessible nodes and the
// apps' /etc files at the same places; each flavor adds its own (nspawn's /init, kvm's guest
// spec). Paths in IN_STAGE1 are as the pod init sees them; `hostPath()` turns them into host
// paths.
import { appRootfs, appStatusFile, pathComponent, podLayout, safeJoin, supervisorReady } from "@rkt/stage1-api";
import { closeSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const IN_STAGE1 = {
  /** The init's pod spec. */
  podSpec: "/rkt/pod.spec",
  /** One spec per app. */
  appSpecs: "/rkt/apps",
  /** Symlink to "ready" once every app is started (rkt status --wait-ready, rkt enter). */
  ready: `/${podLayout.supervisorStatus}`,
  /** The init's control socket (nspawn), in a directory only root may enter; no app sees it. */
  controlSocket: "/rkt/init/control.sock",
  /** Empty nodes (mode 0000) bound over rkt's masked paths. */
  inaccessibleDir: "/rkt/inaccessible/dir",
  inaccessibleFile: "/rkt/inaccessible/file",
  /** rkt's default /etc/hosts entries. */
  hostsFallback: "/etc/hosts-fallback",
  /** Written by stage0 with --dns / --hosts-entry. */
  stage0Resolv: "/etc/rkt-resolv.conf",
  stage0Hosts: "/etc/rkt-hosts",
  /** The /etc/hosts apps get when they have none: the fallback plus the hostname. */
  defaultHosts: "/etc/rkt-hosts-default",
  /** The pod's hostname, the apps' /etc/hostname (rkt's stage1 wrote it there too). */
  hostname: "/etc/hostname",
} as const;

/** The host path of a path inside the stage1 root. */
export function hostPath(stage1Root: string, inStage1: string): string {
  return join(stage1Root, inStage1);
}

export function appSpecPath(app: string): string {
  return safeJoin(IN_STAGE1.appSpecs, [`${pathComponent(app, "app name")}.spec`], "app name");
}

/** An app's root as the pod init sees it (stage0 makes it at <stage1 root>/opt/stage2/<app>/rootfs). */
export function appRootInStage1(app: string): string {
  return appRootfs("/", app);
}

/** An app's exit status file as the pod init sees it (<stage1 root>/rkt/status/<app>). */
export function appStatusInStage1(app: string): string {
  return appStatusFile("/", app);
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
 * Lays out what the pod init and the apps' /etc files need in a stage1 root: the directory of
 * the specs, rkt's hosts fallback, and the inaccessible nodes masked paths are bound over. A
 * flavor adds its own directories. Few of them: this is on every pod's start path. The
 * inaccessible file comes last, so a flavor may take it as the mark of a finished layout.
 */
export function layoutPodInitFiles(stage1Root: string): void {
  for (const d of ["etc", "rkt/apps", "rkt/inaccessible"]) mkdirSync(join(stage1Root, d), { recursive: true, mode: 0o755 });
  writeFileSync(hostPath(stage1Root, IN_STAGE1.hostsFallback), HOSTS_FALLBACK);
  // Mode 0000 from the start: mkdir and open apply the umask, which only removes bits.
  mkdirSync(hostPath(stage1Root, IN_STAGE1.inaccessibleDir), { recursive: true, mode: 0 });
  closeSync(openSync(hostPath(stage1Root, IN_STAGE1.inaccessibleFile), "a", 0));
}

/** Whether the pod init has started every app: it makes the ready link then. */
export function podInitReady(stage1Root: string): boolean {
  return supervisorReady(stage1Root);
}
