// /etc/hosts and /etc/resolv.conf of the apps of a pod under the pod init, following rkt's
// modes (--dns, --hosts-entry):
//
//   resolv default  the image's own file
//   resolv stage0   <stage1>/etc/rkt-resolv.conf, written by stage0 (--dns, or a CNI network's
//                   DNS), bound read-only
//   resolv host     the host's resolv.conf (as the flavor can use it), bound read-only
//   resolv none     nothing
//   hosts default   rkt's fallback entries plus the hostname, only for apps without /etc/hosts
//   hosts stage0    <stage1>/etc/rkt-hosts (stage0's, with --hosts-entry) plus the hostname
//   hosts host      the host's /etc/hosts, bound read-only
//
// The binds are made on the host side, into each app's root; a VM sees them through its share.
import type { AppContext, RuntimeOptions } from "@rkt/stage1-api";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { imageRoot } from "./app.js";
import { resolveInRoot } from "./root-path.js";
import { hostPath, HOSTS_FALLBACK, IN_STAGE1 } from "./stage1-root.js";

export interface EtcBind {
  /** Host path. */
  source: string;
  /** Path in the app's root. */
  target: string;
}

/** rkt adds the hostname to the first 127.0.0.1 line, or adds such a line. */
export function withHostname(hosts: string, hostname: string): string {
  const lines = hosts.split("\n");
  const i = lines.findIndex((l) => /^\s*127\.0\.0\.1\s/.test(l) || l.trim() === "127.0.0.1");
  if (i >= 0) lines[i] = `${lines[i]!.replace(/\s+$/, "")} ${hostname}`;
  else return `${hosts}${hosts === "" || hosts.endsWith("\n") ? "" : "\n"}127.0.0.1\t${hostname}\n`;
  return lines.join("\n");
}

/** Writes the pod-wide hosts files the apps will get (once per pod, at run time). */
export function writeHostsFiles(stage1Root: string, dns: RuntimeOptions["dns"], hostname: string): void {
  if (dns.hosts === "default") {
    let fallback = HOSTS_FALLBACK;
    try {
      fallback = readFileSync(hostPath(stage1Root, IN_STAGE1.hostsFallback), "utf8");
    } catch {
      /* a stage1 root laid out by an older version: the built-in entries */
    }
    writeFileSync(hostPath(stage1Root, IN_STAGE1.defaultHosts), withHostname(fallback, hostname));
  } else if (dns.hosts === "stage0") {
    const file = hostPath(stage1Root, IN_STAGE1.stage0Hosts);
    writeFileSync(file, withHostname(readFileSync(file, "utf8"), hostname));
  }
}

/** The apps' /etc/hostname: the pod's hostname, as rkt wrote it (hostname(5): one line). */
export function writeHostnameFile(stage1Root: string, hostname: string): void {
  writeFileSync(hostPath(stage1Root, IN_STAGE1.hostname), `${hostname}\n`, { mode: 0o644 });
}

/** Whether the app's image has an /etc/hosts of its own (the default hosts mode leaves it). */
export function imageHasHosts(ctx: AppContext): boolean {
  return existsSync(resolveInRoot(imageRoot(ctx), "/etc/hosts"));
}

/**
 * The binds that give one app its /etc/resolv.conf and /etc/hosts. `hostResolvConf` is the
 * host path bound for --dns=host: the host's own file in a container, a copy a VM can use.
 */
export function etcBinds(stage1Root: string, dns: RuntimeOptions["dns"], appHasHosts: boolean, hostResolvConf: string): EtcBind[] {
  const binds: EtcBind[] = [];
  if (dns.resolv === "stage0") binds.push({ source: hostPath(stage1Root, IN_STAGE1.stage0Resolv), target: "/etc/resolv.conf" });
  if (dns.resolv === "host") binds.push({ source: hostResolvConf, target: "/etc/resolv.conf" });
  if (dns.hosts === "stage0") binds.push({ source: hostPath(stage1Root, IN_STAGE1.stage0Hosts), target: "/etc/hosts" });
  if (dns.hosts === "host") binds.push({ source: "/etc/hosts", target: "/etc/hosts" });
  if (dns.hosts === "default" && !appHasHosts) binds.push({ source: hostPath(stage1Root, IN_STAGE1.defaultHosts), target: "/etc/hosts" });
  return binds;
}
