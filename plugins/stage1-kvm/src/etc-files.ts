// /etc/hosts and /etc/resolv.conf of the apps, following rkt's modes (--dns, --hosts-entry),
// as the nspawn flavor does; the files are bound into the apps' roots on the host side, and
// the guest sees them through the share. One difference: with --dns=host, a VM cannot reach
// the host's loopback resolver (127.0.0.53 and the like), so those servers are replaced by
// the DNS proxy of QEMU's user-mode network, which forwards to the host's resolver.
import type { RuntimeOptions } from "@rkt/stage1-api";
import { readFileSync, writeFileSync } from "node:fs";
import { host, HOSTS_FALLBACK, IN_GUEST } from "./layout.js";
import { SLIRP_DNS } from "./network.js";

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

/** The host's resolv.conf as a VM on user-mode networking can use it. */
export function vmResolvConf(hostResolv: string): string {
  return hostResolv
    .split("\n")
    .map((l) => (/^\s*nameserver\s+(127\.\S*|::1|0\.0\.0\.0)\s*$/.test(l) ? `nameserver ${SLIRP_DNS}` : l))
    .join("\n");
}

/** Writes the pod-wide files the apps will get (once per pod, at run time). */
export function writeEtcFiles(stage1Root: string, dns: RuntimeOptions["dns"], hostname: string): void {
  if (dns.hosts === "default") {
    let fallback = HOSTS_FALLBACK;
    try {
      fallback = readFileSync(host(stage1Root, IN_GUEST.hostsFallback), "utf8");
    } catch {
      /* the built-in entries */
    }
    writeFileSync(host(stage1Root, IN_GUEST.defaultHosts), withHostname(fallback, hostname));
  } else if (dns.hosts === "stage0") {
    const file = host(stage1Root, IN_GUEST.stage0Hosts);
    writeFileSync(file, withHostname(readFileSync(file, "utf8"), hostname));
  }
  if (dns.resolv === "host") {
    let text = "";
    try {
      text = readFileSync("/etc/resolv.conf", "utf8");
    } catch {
      /* no resolver on the host: an empty file */
    }
    writeFileSync(host(stage1Root, IN_GUEST.hostResolv), vmResolvConf(text));
  }
}

/** The binds that give one app its /etc/resolv.conf and /etc/hosts. */
export function etcBinds(stage1Root: string, dns: RuntimeOptions["dns"], appHasHosts: boolean): EtcBind[] {
  const binds: EtcBind[] = [];
  if (dns.resolv === "stage0") binds.push({ source: host(stage1Root, IN_GUEST.stage0Resolv), target: "/etc/resolv.conf" });
  if (dns.resolv === "host") binds.push({ source: host(stage1Root, IN_GUEST.hostResolv), target: "/etc/resolv.conf" });
  if (dns.hosts === "stage0") binds.push({ source: host(stage1Root, IN_GUEST.stage0Hosts), target: "/etc/hosts" });
  if (dns.hosts === "host") binds.push({ source: "/etc/hosts", target: "/etc/hosts" });
  if (dns.hosts === "default" && !appHasHosts) binds.push({ source: host(stage1Root, IN_GUEST.defaultHosts), target: "/etc/hosts" });
  return binds;
}
