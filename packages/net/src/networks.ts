// rkt's networks: the two built in (default, default-restricted), the user's from
// <local-config>/net.d, and which of them a pod joins for a --net list.
//
//   --net (absent) / default   the default network (ptp, 172.16.28.0/24, masquerade, default route)
//   --net=a,b                  a and b, plus default-restricted unless default is among them
//                              (rkt's host<->pod link, 172.31.0.0/16, no route out)
//   --net=all                  every user network, plus default
//
// A user network named like a built-in one replaces it. The pod's networks are ordered by
// their file name (the built-ins are 99-default.conf and 99-default-restricted.conf) and
// get eth0, eth1... in that order, as in rkt.
import type { NetworkRequest } from "@rkt/stage1-api";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseNetworkConfig, type NetworkConfig } from "./config.js";

/**
 * The built-in networks, as rkt shipped them in its stage1 (etc/rkt/net.d), except for the
 * cniVersion: 0.4.0 instead of 0.1.0, so that results name the interfaces and CHECK exists.
 */
export const BUILTIN_NETWORKS: Record<"default" | "default-restricted", { fileName: string; json: string }> = {
  default: {
    fileName: "99-default.conf",
    json:
      '{"cniVersion":"0.4.0","name":"default","type":"ptp","ipMasq":true,' +
      '"ipam":{"type":"host-local","subnet":"172.16.28.0/24","routes":[{"dst":"0.0.0.0/0"}]}}\n',
  },
  "default-restricted": {
    fileName: "99-default-restricted.conf",
    json: '{"cniVersion":"0.4.0","name":"default-restricted","type":"ptp","ipMasq":false,"ipam":{"type":"host-local","subnet":"172.31.0.0/16"}}\n',
  },
};

/** rkt's wording for --net names that match no network. */
export class NetworkNotFoundError extends Error {
  constructor(readonly missing: string[]) {
    super(`networks not found: ${missing.join(", ")}`);
    this.name = "NetworkNotFoundError";
  }
}

export function builtinNetwork(name: keyof typeof BUILTIN_NETWORKS): NetworkConfig {
  const b = BUILTIN_NETWORKS[name];
  return parseNetworkConfig(Buffer.from(b.json), b.fileName);
}

/** <local-config>/net.d */
export function userNetDir(localConfigDir: string): string {
  return join(localConfigDir, "net.d");
}

/**
 * The user's networks: *.conf and *.conflist files of <local-config>/net.d, by file name.
 * A second file defining a name already seen is ignored with rkt's warning. A file that
 * cannot be read as a network configuration is an error: the user meant something by it.
 */
export function loadUserNetworks(localConfigDir: string, warn: (m: string) => void = () => {}): NetworkConfig[] {
  const dir = userNetDir(localConfigDir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const nets: NetworkConfig[] = [];
  for (const name of names.filter((n) => n.endsWith(".conf") || n.endsWith(".conflist")).sort()) {
    const path = join(dir, name);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EISDIR") continue;
      throw new Error(`cannot read network configuration ${path}: ${code ?? (err as Error).message}`);
    }
    const net = parseNetworkConfig(bytes, name, path);
    if (nets.some((n) => n.name === net.name)) {
      warn(`${JSON.stringify(net.name)} network already defined, ignoring ${path}`);
      continue;
    }
    nets.push(net);
  }
  return nets;
}

export interface SelectedNetwork {
  net: NetworkConfig;
  /** CNI_ARGS from --net=NAME:ARGS. */
  args?: string;
  /** eth0, eth1... in the pod. */
  ifName: string;
}

/**
 * The networks a pod joins for its --net list (not host or none, which need no CNI), in
 * rkt's order. Throws NetworkNotFoundError naming every unknown network.
 */
export function selectNetworks(requests: NetworkRequest[], userNets: NetworkConfig[], warn: (m: string) => void = () => {}): SelectedNetwork[] {
  const all = requests.some((r) => r.name === "all");
  const wanted = new Set(requests.map((r) => r.name).filter((n) => n !== "all"));
  const chosen = new Map<string, NetworkConfig>();
  for (const net of userNets) if (all || wanted.has(net.name)) chosen.set(net.name, net);
  const builtin = (name: keyof typeof BUILTIN_NETWORKS): void => {
    const user = userNets.find((n) => n.name === name);
    if (user) {
      warn(`overriding ${JSON.stringify(name)} network with ${user.path ?? user.fileName}`);
      chosen.set(name, user);
    } else {
      chosen.set(name, builtinNetwork(name));
    }
  };
  if (all || wanted.has("default")) builtin("default");
  else builtin("default-restricted");
  if (wanted.has("default-restricted") && !chosen.has("default-restricted")) builtin("default-restricted");
  const missing = [...wanted].filter((n) => !chosen.has(n));
  if (missing.length > 0) throw new NetworkNotFoundError(missing);
  const ordered = [...chosen.values()].sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
  return ordered.map((net, i) => {
    const args = requests.find((r) => r.name === net.name)?.args;
    return { net, ifName: `eth${i}`, ...(args !== undefined && args !== "" ? { args } : {}) };
  });
}
