// A pod's networking from start to end: the namespace, the CNI networks in it, the port
// forwards, and rkt's records of them; and the teardown that undoes all of it from what
// the pod directory says. Every step is recorded before it is taken, so a teardown after
// a crash at any point (rkt killed mid-setup, the pod SIGKILLed, the stage1 gone) finds
// everything that may exist; each teardown step tolerates what is already gone.
import type { NetworkRequest, PodInterface } from "@rkt/stage1-api";
import { pathComponent, safeJoin } from "@rkt/stage1-api";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { addNetwork, delNetwork, type Attachment } from "./cni/client.js";
import { firstIPv4, prefixToMask, type CniDns, type CniResult } from "./cni/result.js";
import { masquerades, parseNetworkConfig, type NetworkConfig } from "./config.js";
import { restoreNoflush, saveRules } from "./iptables.js";
import { createNetns, deleteNetns, netnsPath, podNetnsName } from "./netns.js";
import { loadUserNetworks, selectNetworks, userNetDir, type SelectedNetwork } from "./networks.js";
import { guardedByOthers, setupBatch, teardownBatch, type PortForward, type Proto } from "./portfwd.js";
import { lastLine, runProcess } from "./proc.js";
import {
  clearState,
  NET_DIR,
  readState,
  writeNetInfo,
  writeNetnsFile,
  writeState,
  type AttachmentState,
  type NetInfo,
  type PodNetState,
} from "./state.js";

/** Where CNI plugins are looked for, in order (rkt's, then Debian's and upstream's). */
export function defaultCniPath(localConfigDir: string): string[] {
  return [userNetDir(localConfigDir), "/usr/lib/rkt/plugins/net", "/usr/lib/cni", "/opt/cni/bin"];
}

/** A --port request resolved against the apps' ports. */
export interface PortRequest {
  proto: Proto;
  hostIP?: string;
  hostPort: number;
  podPort: number;
}

export interface NetLog {
  /** A message for the user ("networking: ..."). */
  warn(message: string): void;
  debug(message: string): void;
}

export interface SetupRequest {
  podDir: string;
  uuid: string;
  /** The --net list; host is not for this module, none gives a namespace with only lo. */
  requests: NetworkRequest[];
  localConfigDir: string;
  ports: PortRequest[];
  log: NetLog;
  /** Overrides defaultCniPath (tests). */
  cniPath?: string[];
}

export interface PodNetworkSetup {
  netnsPath: string;
  interfaces: PodInterface[];
  netInfo: NetInfo[];
  /** The DNS settings of the first network whose result has name servers. */
  dns?: { netName: string; dns: CniDns };
  /**
   * The host's address on the network rkt forwards ports into (the first that masquerades,
   * else the last): the gateway of the pod's IPv4 address there. Where the pod reaches the
   * host's services (rkt's metadata service URL).
   */
  hostIP?: string;
}

/** A setup that failed; everything it made has been undone (or the undo's failure is in the message). */
export class NetworkSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NetworkSetupError";
  }
}

/** Which networks a --net list means, checked before anything is made (unknown names, bad files). */
export function planNetworks(requests: NetworkRequest[], localConfigDir: string, warn: (m: string) => void = () => {}): SelectedNetwork[] {
  if (requests.length === 1 && requests[0]!.name === "none") return [];
  return selectNetworks(requests, loadUserNetworks(localConfigDir, warn), warn);
}

/** Copies each network's configuration into <pod>/net under a name of its own. */
function saveConfigs(podDir: string, nets: SelectedNetwork[]): string[] {
  mkdirSync(join(podDir, NET_DIR), { recursive: true, mode: 0o750 });
  const used = new Set<string>();
  return nets.map((s, i) => {
    let name = s.net.fileName;
    if (used.has(name)) name = `${i}-${name}`;
    used.add(name);
    writeFileSync(safeJoin(join(podDir, NET_DIR), [name], "network file name"), s.net.bytes, { mode: 0o640 });
    return join(NET_DIR, name);
  });
}

type Route = PodInterface["routes"][number];

/**
 * The namespace's routes by interface, as the plugins left them. A CNI result's routes are
 * not enough to rebuild that (a route without gw there means "via the address's gateway",
 * and ptp replaces the address's prefix route with routes of its own that no result lists),
 * and a VM stage1 must give its guest exactly this routing.
 */
async function namespaceRoutes(nsName: string, ipv6: boolean): Promise<Map<string, Route[]>> {
  const byDev = new Map<string, Route[]>();
  for (const family of ipv6 ? ["-4", "-6"] : ["-4"]) {
    const r = await runProcess("ip", ["-n", nsName, "-j", family, "route", "show", "table", "main"]);
    if (r.code !== 0) throw new NetworkSetupError(`reading the routes of the pod's namespace: ${lastLine(r.stderr)}`);
    const entries = JSON.parse(r.stdout || "[]") as { dst?: string; gateway?: string; dev?: string; type?: string }[];
    for (const e of entries) {
      if (!e.dev || !e.dst || (e.type !== undefined && e.type !== "unicast")) continue;
      if (family === "-6" && /^(fe80|ff00)::/.test(e.dst)) continue; // link-local and multicast: every interface has them
      const host = family === "-4" ? "/32" : "/128";
      const dst = e.dst === "default" ? (family === "-4" ? "0.0.0.0/0" : "::/0") : e.dst.includes("/") ? e.dst : `${e.dst}${host}`;
      const list = byDev.get(e.dev) ?? [];
      list.push({ dst, ...(e.gateway ? { gw: e.gateway } : {}) });
      byDev.set(e.dev, list);
    }
  }
  // In an order they can be added in: a gateway must be reachable (on-link) before a route via it.
  for (const [dev, list] of byDev) byDev.set(dev, [...list.filter((r) => !r.gw), ...list.filter((r) => r.gw)]);
  return byDev;
}

function podInterface(netName: string, ifName: string, r: CniResult, routes: Route[]): PodInterface {
  const idx = r.interfaces.findIndex((i) => i.sandbox !== undefined && i.name === ifName);
  const itf = idx >= 0 ? r.interfaces[idx] : undefined;
  // Legacy results (0.1.0, 0.2.0) name no interfaces: their addresses are the container's.
  const ips = r.ips.filter((ip) => idx < 0 || ip.interface === undefined || ip.interface === idx);
  return {
    netName,
    ifName,
    ...(itf?.mac ? { mac: itf.mac } : {}),
    addresses: ips.map((ip) => ({ address: ip.address, ...(ip.gateway ? { gateway: ip.gateway } : {}) })),
    routes,
  };
}

function netInfoOf(a: AttachmentState, r: CniResult): NetInfo {
  const v4 = firstIPv4(r);
  return {
    netName: a.netName,
    netConf: a.confFile,
    pluginPath: a.pluginPath ?? "",
    ifName: a.ifName,
    ip: v4?.ip ?? "",
    args: a.args ?? "",
    mask: v4 ? prefixToMask(v4.prefix) : "",
  };
}

/** The host interface traffic to `ip` leaves by (the ptp veth, the bridge). */
async function hostInterfaceTo(ip: string): Promise<string> {
  const r = await runProcess("ip", ["-o", "route", "get", ip]);
  const dev = /\bdev (\S+)/.exec(r.stdout)?.[1];
  if (r.code !== 0 || !dev) throw new NetworkSetupError(`cannot find the host interface towards ${ip}: ${lastLine(r.stderr) || r.stdout.trim()}`);
  return dev;
}

/**
 * A plugin's error as rkt's users know it: host-local now says an address asked for with
 * IP=... "is not available in range set ...", where the host-local rkt shipped said
 * `requested IP address "X" is not available in network: NAME`; rkt's words come first.
 */
export function inRktWords(message: string, network: string): string {
  const m = /requested IP address (\S+) is not available in range set/.exec(message);
  return m ? `requested IP address "${m[1]}" is not available in network: ${network} (${message})` : message;
}

/** rkt forwards ports into the first network that masquerades, else into the last one. */
function forwardTarget(nets: SelectedNetwork[]): number {
  const i = nets.findIndex((s) => masquerades(s.net));
  return i >= 0 ? i : nets.length - 1;
}

/**
 * Makes the pod's namespace and joins its networks, in order. On failure everything made so
 * far is undone before the error is thrown.
 */
export async function setupPodNetwork(req: SetupRequest): Promise<PodNetworkSetup> {
  const { podDir, uuid, log } = req;
  const nets = planNetworks(req.requests, req.localConfigDir, log.warn);
  if (req.ports.length > 0 && nets.length === 0) throw new NetworkSetupError("--port flag does not work with 'none'/'host' networking");
  const cniPath = req.cniPath ?? defaultCniPath(req.localConfigDir);
  const confFiles = saveConfigs(podDir, nets);
  const state: PodNetState = { version: 1, containerId: uuid, netns: netnsPath(podNetnsName(uuid)), cniPath, attachments: [] };
  // Recorded before the namespace exists: a crash right after `ip netns add` still gets it deleted.
  writeState(podDir, state);
  try {
    const started = Date.now();
    await createNetns(podNetnsName(uuid));
    writeNetnsFile(podDir, state.netns);
    const results: CniResult[] = [];
    for (const [i, s] of nets.entries()) {
      const a: AttachmentState = { netName: s.net.name, confFile: confFiles[i]!, ifName: s.ifName, ...(s.args ? { args: s.args } : {}) };
      state.attachments.push(a);
      writeState(podDir, state);
      const t = Date.now();
      let added;
      try {
        added = await addNetwork(s.net, attachment(state, a));
      } catch (err) {
        throw new NetworkSetupError(`network ${s.net.name}: ${inRktWords((err as Error).message, s.net.name)}`);
      }
      a.result = added.raw;
      a.pluginPath = added.pluginPath;
      writeState(podDir, state);
      results.push(added.result);
      log.debug(`network ${s.net.name}: ${s.ifName} ${added.result.ips.map((ip) => ip.address).join(" ")} (${Date.now() - t} ms)`);
    }
    if (req.ports.length > 0) await forwardPorts(podDir, uuid, state, nets, results, req.ports);
    const netInfo = state.attachments.map((a, i) => netInfoOf(a, results[i]!));
    writeNetInfo(podDir, netInfo);
    const routes = nets.length > 0 ? await namespaceRoutes(podNetnsName(uuid), results.some((r) => r.ips.some((ip) => ip.version === 6))) : new Map<string, Route[]>();
    const withDns = state.attachments.findIndex((_, i) => results[i]!.dns.nameservers.length > 0);
    const hostIP = nets.length > 0 ? results[forwardTarget(nets)]!.ips.find((ip) => ip.version === 4 && ip.gateway)?.gateway : undefined;
    log.debug(`pod network ready in ${Date.now() - started} ms`);
    return {
      netnsPath: state.netns,
      interfaces: state.attachments.map((a, i) => podInterface(a.netName, a.ifName, results[i]!, routes.get(a.ifName) ?? [])),
      netInfo,
      ...(withDns >= 0 ? { dns: { netName: state.attachments[withDns]!.netName, dns: results[withDns]!.dns } } : {}),
      ...(hostIP ? { hostIP } : {}),
    };
  } catch (err) {
    const problems = await teardownPodNetwork(podDir, log).catch((e: Error) => [e.message]);
    const undo = problems.length > 0 ? ` (and undoing it: ${problems.join("; ")})` : "";
    throw new NetworkSetupError(`${(err as Error).message}${undo}`);
  }
}

/**
 * CNI_ARGS for --net=NAME:ARGS. Today's plugins refuse keys they do not know (bridge knows
 * MAC, not host-local's IP) unless told IgnoreUnknown=1, as Kubernetes and podman tell them;
 * rkt's documented --net=NAME:IP=... would fail on a bridge network without it.
 */
export function cniArgs(args: string | undefined): string | undefined {
  if (!args) return undefined;
  return /(^|;)IgnoreUnknown=/i.test(args) ? args : `IgnoreUnknown=1;${args}`;
}

function attachment(state: PodNetState, a: AttachmentState, netns = state.netns): Attachment {
  const args = cniArgs(a.args);
  return { containerId: state.containerId, netns, ifName: a.ifName, ...(args ? { args } : {}), cniPath: state.cniPath };
}

async function forwardPorts(
  podDir: string,
  uuid: string,
  state: PodNetState,
  nets: SelectedNetwork[],
  results: CniResult[],
  ports: PortRequest[],
): Promise<void> {
  const target = forwardTarget(nets);
  const v4 = firstIPv4(results[target]!);
  if (!v4) throw new NetworkSetupError(`cannot forward ports: network ${nets[target]!.net.name} gave the pod no IPv4 address`);
  const hostInterface = await hostInterfaceTo(v4.ip);
  const forwards: PortForward[] = ports.map((p) => ({
    proto: p.proto,
    ...(p.hostIP ? { hostIP: p.hostIP } : {}),
    hostPort: p.hostPort,
    podIP: v4.ip,
    podPort: p.podPort,
  }));
  state.portForwards = { hostInterface, routeLocalnet: readFileSync(routeLocalnetFile(hostInterface), "utf8").trim(), forwards };
  writeState(podDir, state);
  await restoreNoflush(setupBatch(uuid, forwards, hostInterface));
  // A packet from 127.0.0.1 may only leave through an interface with route_localnet; set
  // only now that the guard drops what the pod itself sends to 127.0.0.0/8 (CVE-2020-8558).
  writeFileSync(routeLocalnetFile(hostInterface), "1");
}

/** /proc/sys/net/ipv4/conf/<interface>/route_localnet */
function routeLocalnetFile(hostInterface: string): string {
  return join("/proc/sys/net/ipv4/conf", pathComponent(hostInterface, "host interface name"), "route_localnet");
}

/**
 * Removes the pod's rules (forwarding chains, loopback guard, and what CNI plugins left
 * under its ID). With `forwards`, the host interface's route_localnet goes back to what it
 * was first, unless another pod still forwards through it (a bridge): before the guard
 * goes, so the interface never accepts packets to 127.0.0.0/8 unguarded.
 */
async function removeRules(uuid: string, pluginRules: boolean, forwards?: PodNetState["portForwards"]): Promise<void> {
  const saved = await saveRules();
  const itf = forwards?.hostInterface;
  if (itf && forwards.routeLocalnet === "0" && !guardedByOthers(uuid, saved, itf)) {
    try {
      writeFileSync(routeLocalnetFile(itf), "0");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err; // the interface is gone (a ptp veth)
    }
  }
  const batch = teardownBatch(uuid, saved, { pluginRules });
  if (batch) await restoreNoflush(batch);
}

/**
 * Undoes a pod's networking from <pod>/net/state.json: port forwards, each network's DEL in
 * reverse order (with the namespace when it still exists; CNI allows a DEL without it), any
 * rule still naming the pod, then the namespace. Every step runs even when an earlier one
 * failed; the failures are returned (and the state is kept for another try). Nothing to do
 * for a pod without the state file.
 */
export async function teardownPodNetwork(podDir: string, log: NetLog): Promise<string[]> {
  const state = readState(podDir);
  if (!state) return [];
  const problems: string[] = [];
  const step = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
    }
  };
  const uuid = state.containerId;
  // Forwards first: the pod's address goes back to the pool with the DELs below.
  if (state.portForwards) await step("removing port forwarding", () => removeRules(uuid, false, state.portForwards));
  const netns = existsSync(state.netns) ? state.netns : "";
  for (const a of [...state.attachments].reverse()) {
    const del = async (): Promise<void> => {
      const net = savedConfig(podDir, a);
      await delNetwork(net, attachment(state, a, netns), a.result);
      log.debug(`network ${a.netName}: ${a.ifName} released`);
    };
    if (a.result !== undefined) {
      await step(`network ${a.netName}`, del);
    } else {
      // Its ADD failed (and a plugin cleans up after its own failed ADD): DEL is asked all the
      // same, but a refusal (often the very reason ADD failed) must not keep the pod forever.
      await del().catch((err: Error) => log.debug(`network ${a.netName}: DEL after a failed ADD: ${err.message}`));
    }
  }
  if (state.attachments.length > 0) await step("removing the pod's iptables rules", () => removeRules(uuid, true));
  await step("deleting the network namespace", () => deleteNetns(state.netns));
  if (problems.length === 0) clearState(podDir);
  return problems;
}

function savedConfig(podDir: string, a: AttachmentState): NetworkConfig {
  const file = safeJoin(podDir, a.confFile.split("/"), "network file name");
  return parseNetworkConfig(readFileSync(file), a.confFile, file);
}
