// /etc/hosts and /etc/resolv.conf of the apps, following rkt's modes (--dns, --hosts-entry),
// as the nspawn flavor does (the kit's etc-files.ts); the files are bound into the apps' roots
// on the host side, and the guest sees them through the share. One difference: with
// --dns=host, a VM cannot reach the host's loopback resolver (127.0.0.53 and the like), so
// the apps get a copy of the host's file in which those servers are replaced by the DNS proxy
// of QEMU's user-mode network, which forwards to the host's resolver.
import type { RuntimeOptions } from "@rkt/stage1-api";
import { hostPath, writeHostnameFile, writeHostsFiles } from "@rkt/stage1-kit";
import { readFileSync, writeFileSync } from "node:fs";
import { IN_GUEST } from "./layout.js";
import { SLIRP_DNS } from "./network.js";

/** The host's resolv.conf as a VM on user-mode networking can use it. */
export function vmResolvConf(hostResolv: string): string {
  return hostResolv
    .split("\n")
    .map((l) => (/^\s*nameserver\s+(127\.\S*|::1|0\.0\.0\.0)\s*$/.test(l) ? `nameserver ${SLIRP_DNS}` : l))
    .join("\n");
}

/** The file the apps get as /etc/resolv.conf with --dns=host (writeEtcFiles writes it). */
export function hostResolvConf(stage1Root: string): string {
  return hostPath(stage1Root, IN_GUEST.hostResolv);
}

/** Writes the pod-wide files the apps will get (once per pod, at run time). */
export function writeEtcFiles(stage1Root: string, dns: RuntimeOptions["dns"], hostname: string): void {
  writeHostsFiles(stage1Root, dns, hostname);
  writeHostnameFile(stage1Root, hostname);
  if (dns.resolv === "host") {
    let text = "";
    try {
      text = readFileSync("/etc/resolv.conf", "utf8");
    } catch {
      /* no resolver on the host: an empty file */
    }
    writeFileSync(hostResolvConf(stage1Root), vmResolvConf(text));
  }
}
