// /etc/hosts and /etc/resolv.conf of the apps, following rkt's modes (--dns, --hosts-entry):
//
//   resolv default  the image's own file (no CNI DNS yet)
//   resolv stage0   <stage1>/etc/rkt-resolv.conf, written by stage0, bound read-only
//   resolv host     the host's /etc/resolv.conf, bound read-only
//   resolv none     nothing
//   hosts default   rkt's fallback entries plus the hostname, only for apps without /etc/hosts
//   hosts stage0    <stage1>/etc/rkt-hosts (stage0's, with --hosts-entry) plus the hostname
//   hosts host      the host's /etc/hosts, bound read-only
import type { RuntimeOptions } from "@rkt/stage1-api";
import { readFileSync, writeFileSync } from "node:fs";
import { host, HOSTS_FALLBACK, IN_POD } from "./layout.js";

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
      fallback = readFileSync(host(stage1Root, IN_POD.hostsFallback), "utf8");
    } catch {
      /* a stage1 root laid out by an older version: the built-in entries */
    }
    writeFileSync(host(stage1Root, IN_POD.defaultHosts), withHostname(fallback, hostname));
  } else if (dns.hosts === "stage0") {
    const file = host(stage1Root, IN_POD.stage0Hosts);
    writeFileSync(file, withHostname(readFileSync(file, "utf8"), hostname));
  }
}

/** The binds that give one app its /etc/resolv.conf and /etc/hosts. */
export function etcBinds(stage1Root: string, dns: RuntimeOptions["dns"], appHasHosts: boolean): EtcBind[] {
  const binds: EtcBind[] = [];
  if (dns.resolv === "stage0") binds.push({ source: host(stage1Root, IN_POD.stage0Resolv), target: "/etc/resolv.conf" });
  if (dns.resolv === "host") binds.push({ source: "/etc/resolv.conf", target: "/etc/resolv.conf" });
  if (dns.hosts === "stage0") binds.push({ source: host(stage1Root, IN_POD.stage0Hosts), target: "/etc/hosts" });
  if (dns.hosts === "host") binds.push({ source: "/etc/hosts", target: "/etc/hosts" });
  if (dns.hosts === "default" && !appHasHosts) binds.push({ source: host(stage1Root, IN_POD.defaultHosts), target: "/etc/hosts" });
  return binds;
}
