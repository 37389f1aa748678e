// The runtime flags of `rkt run` and `rkt run-prepared` that shape the pod's namespaces and
// /etc files: --ipc, --dns, --dns-search, --dns-opt, --dns-domain and --hosts-entry, parsed
// as rkt's parseDNSFlags does ("host" and "none" stand alone; IPs are checked).
import type { DnsConfig, HostsEntry, RuntimeRequest } from "@rkt/stage0";
import type { IpcMode } from "@rkt/stage1-api";
import { createRequire } from "node:module";
import type { Flags } from "../flags.js";
import { UsageError } from "../flags.js";

export function parseIpc(value: string): IpcMode {
  if (value !== "auto" && value !== "private" && value !== "parent") {
    throw new UsageError(`invalid value ${JSON.stringify(value)} for --ipc: use auto, private or parent`, false);
  }
  return value;
}

export interface DnsRequest {
  dns: RuntimeRequest["dns"];
  dnsConfig?: DnsConfig;
  hostsEntries?: HostsEntry[];
}

export function parseDns(flags: Flags): DnsRequest {
  const dns: RuntimeRequest["dns"] = { resolv: "default", hosts: "default" };
  const values = flags.list("dns");
  const config: DnsConfig = { nameservers: [], search: flags.list("dns-search"), options: flags.list("dns-opt") };
  if (flags.has("dns-domain") && flags.string("dns-domain") !== "") config.domain = flags.string("dns-domain");
  for (const v of values) {
    if (v === "host" || v === "none") {
      if (values.length > 1) throw new UsageError(`no other --dns options allowed when --dns=${v} is passed`, false);
      dns.resolv = v;
      break;
    }
    for (const ip of v.split(",")) {
      if (!isIP(ip)) throw new UsageError(`Invalid IP passed to --dns: ${ip}`, false);
      config.nameservers.push(ip);
    }
  }
  const hasConfig = config.nameservers.length > 0 || config.search.length > 0 || config.options.length > 0 || config.domain !== undefined;
  if (hasConfig) {
    if (dns.resolv !== "default") {
      throw new UsageError(`Cannot call --dns-opt, --dns-search, or --dns-domain with --dns=${dns.resolv}`, false);
    }
    dns.resolv = "stage0";
  }

  const hostsFlags = flags.list("hosts-entry");
  const entries: HostsEntry[] = [];
  if (hostsFlags.includes("host")) {
    if (hostsFlags.some((h) => h !== "host")) throw new UsageError("cannot pass --hosts-entry=host with multiple hosts-entries", false);
    dns.hosts = "host";
  } else {
    for (const flag of hostsFlags) {
      for (const entry of flag.split(",")) {
        const eq = entry.indexOf("=");
        if (eq <= 0 || eq === entry.length - 1) throw new UsageError(`Did not understand --hosts-entry ${entry}`, false);
        const ip = entry.slice(0, eq);
        if (!isIP(ip)) throw new UsageError(`Invalid IP passed to --hosts-entry: ${ip}`, false);
        const known = entries.find((e) => e.ip === ip);
        if (known) known.names.push(entry.slice(eq + 1));
        else entries.push({ ip, names: [entry.slice(eq + 1)] });
      }
    }
    if (entries.length > 0) dns.hosts = "stage0";
  }
  return {
    dns,
    ...(dns.resolv === "stage0" ? { dnsConfig: config } : {}),
    ...(dns.hosts === "stage0" ? { hostsEntries: entries } : {}),
  };
}

/** node:net's isIP, loaded only when --dns or --hosts-entry names an address. */
function isIP(ip: string): number {
  return (createRequire(import.meta.url)("node:net") as typeof import("node:net")).isIP(ip);
}
