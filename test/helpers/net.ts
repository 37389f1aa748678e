// Helpers of the networking end-to-end tests: pods in the background, their addresses, and
// everything a pod's network may leave on the host (namespaces, veths, iptables rules, IPAM
// leases), looked up by the pod's UUID.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { background, waitUntil, type Result, type Sandbox } from "./rkt.js";

export const RUN = ["--insecure-options=image", "run"];

/** The host-local plugin's lease directory (rkt's built-in networks do not move it). */
export const IPAM_DIR = "/var/lib/cni/networks";

export interface BackgroundPod {
  uuid: string;
  done: Promise<Result>;
  pid: () => number | undefined;
}

/** Starts `rkt run ARGS` in the background and waits until its apps run. */
export async function startPod(sb: Sandbox, args: string[], env: Record<string, string> = {}): Promise<BackgroundPod> {
  const uuidFile = sb.path(`uuid-${Math.random().toString(36).slice(2)}`);
  const pod = background(sb, [...RUN, `--uuid-file-save=${uuidFile}`, ...args], env);
  let early: Result | undefined;
  void pod.done.then((r) => (early = r));
  await waitUntil(() => early !== undefined || (existsSync(uuidFile) && readFileSync(uuidFile, "utf8").length === 36), 30_000, "the pod's uuid");
  if (early) throw new Error(`the pod ended at once (${early.code}): ${early.stderr}`);
  const uuid = readFileSync(uuidFile, "utf8");
  const ready = await sb.rkt(["status", "--wait-ready=30s", uuid]);
  if (ready.code !== 0 || !/^state=running$/m.test(ready.stdout)) {
    const end = await Promise.race([pod.done, new Promise<undefined>((r) => setTimeout(r, 5000, undefined))]);
    throw new Error(`the pod did not get ready: ${ready.stdout}${ready.stderr}${end ? ` (rkt: ${end.code}, ${end.stderr})` : ""}`);
  }
  return { ...pod, uuid };
}

/** The pod's address on a network, from `rkt status` (networks=default:ip4=...). */
export async function podIP(sb: Sandbox, uuid: string, net = "default"): Promise<string> {
  const s = await sb.rkt(["status", uuid]);
  const m = new RegExp(`(?:^networks=|, )${net.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:ip4=([0-9.]+)`, "m").exec(s.stdout);
  if (!m) throw new Error(`no ${net} address in rkt status: ${s.stdout}`);
  return m[1]!;
}

/** The host interface traffic to `ip` leaves by (the pod's veth on a ptp network). */
export function hostInterfaceTo(ip: string): string {
  return /\bdev (\S+)/.exec(execFileSync("ip", ["-o", "route", "get", ip], { encoding: "utf8" }))![1]!;
}

/** The first global IPv4 address of the host that is not a pod network's. */
export function hostAddress(): string | undefined {
  for (const line of execFileSync("ip", ["-o", "-4", "addr", "show", "scope", "global"], { encoding: "utf8" }).split("\n")) {
    const m = /^\d+:\s+(\S+)\s+inet\s+([0-9.]+)\//.exec(line);
    if (m && !/^(veth|rkt|cni)/.test(m[1]!) && !m[2]!.startsWith("172.16.28.") && !m[2]!.startsWith("172.31.")) return m[2];
  }
  return undefined;
}

/** GET http://HOST:PORT/PATH from the host; the body, or undefined when nothing answered. */
export async function httpGet(url: string, timeoutMs = 3000): Promise<string | undefined> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return await r.text();
  } catch {
    return undefined;
  }
}

/** App flags: busybox httpd serving `text` on port 80, in the foreground. */
export function httpd(text: string): string[] {
  return ["--exec=/bin/sh", "--", "-c", `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`, "---"];
}

function netnsNames(): string[] {
  try {
    return readdirSync("/var/run/netns");
  } catch {
    return [];
  }
}

function links(): string[] {
  return execFileSync("ip", ["-o", "link"], { encoding: "utf8" })
    .split("\n")
    .map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1] ?? "")
    .filter(Boolean);
}

function leaseFilesOf(uuid: string): string[] {
  const out: string[] = [];
  let nets: string[] = [];
  try {
    nets = readdirSync(IPAM_DIR);
  } catch {
    return out;
  }
  for (const net of nets) {
    let files: string[] = [];
    try {
      files = readdirSync(join(IPAM_DIR, net));
    } catch {
      continue;
    }
    for (const f of files) {
      try {
        if (readFileSync(join(IPAM_DIR, net, f), "utf8").includes(uuid)) out.push(`${net}/${f}`);
      } catch {
        /* gone meanwhile */
      }
    }
  }
  return out;
}

/**
 * What a pod's network left on the host: its namespace, the given host interfaces (its
 * veths), iptables rules naming it (port forwarding chains, masquerade rules), IPAM leases.
 */
export function leftovers(uuid: string, hostInterfaces: string[] = []): string[] {
  const left: string[] = [];
  for (const ns of netnsNames()) if (ns.includes(uuid)) left.push(`netns ${ns}`);
  const present = new Set(links());
  for (const itf of hostInterfaces) if (present.has(itf)) left.push(`interface ${itf}`);
  for (const table of ["nat", "filter"]) {
    const rules = execFileSync("iptables-save", ["-t", table], { encoding: "utf8" });
    for (const line of rules.split("\n")) {
      if (line.includes(uuid) || line.includes(`-${uuid.slice(0, 8)}`)) left.push(`${table}: ${line}`);
    }
  }
  for (const lease of leaseFilesOf(uuid)) left.push(`lease ${lease}`);
  return left;
}

export function expectNothingLeft(uuid: string, hostInterfaces: string[] = []): void {
  expect(leftovers(uuid, hostInterfaces)).toEqual([]);
}

/** Waits until the pod is no longer running. */
export async function waitExited(sb: Sandbox, uuid: string): Promise<void> {
  await waitUntil(async () => !/^state=running$/m.test((await sb.rkt(["status", uuid])).stdout), 15_000, `pod ${uuid} to exit`);
}
