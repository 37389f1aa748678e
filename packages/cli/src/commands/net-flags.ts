// --net as rkt parses it: a comma list of NAME[:K=V;K2=V2], repeatable; bare --net means
// "default"; host and none stand alone; arguments are not allowed on all and host. And --port.
import { checkName } from "@rkt/appc";
import type { ExposedPort, NetworkRequest } from "@rkt/stage1-api";
import { createRequire } from "node:module";
import { UsageError } from "../flags.js";

export function parseNet(values: string[]): NetworkRequest[] | undefined {
  if (values.length === 0) return undefined;
  const nets: NetworkRequest[] = [];
  for (const value of values) {
    for (const item of value.split(",")) {
      if (item === "") continue;
      const colon = item.indexOf(":");
      const name = colon >= 0 ? item.slice(0, colon) : item;
      const args = colon >= 0 ? item.slice(colon + 1) : undefined;
      checkName("network name", name, "--net");
      if (nets.some((n) => n.name === name)) throw new UsageError(`--net: network ${JSON.stringify(name)} given twice`, false);
      if (args !== undefined && (name === "all" || name === "host" || name === "none")) {
        throw new UsageError(`--net: network ${JSON.stringify(name)} takes no arguments`, false);
      }
      nets.push(args !== undefined ? { name, args } : { name });
    }
  }
  const special = nets.find((n) => n.name === "host" || n.name === "none");
  if (special && nets.length > 1) throw new UsageError(`--net: ${special.name} cannot be combined with other networks`, false);
  return nets;
}

/**
 * --port=NAME:[HOSTIP:]HOSTPORT, as rkt parses it. The host address is IPv4: forwarding is
 * done with iptables.
 */
export function parsePort(value: string): ExposedPort {
  const parts = value.split(":");
  if (parts.length < 2 || parts.length > 3) throw new UsageError(`--port: ${JSON.stringify(value)} is not in name:[ip:]port format`, false);
  const name = parts[0]!;
  const hostIP = parts.length === 3 ? parts[1]! : undefined;
  const portText = parts[parts.length - 1]!;
  checkName("port name", name, "--port");
  // node:net loads only when a host IP is given.
  if (hostIP !== undefined && (createRequire(import.meta.url)("node:net") as typeof import("node:net")).isIP(hostIP) !== 4) throw new UsageError(`--port: ${JSON.stringify(hostIP)} is not a valid IPv4 address`, false);
  const hostPort = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(hostPort >= 1 && hostPort <= 65535)) throw new UsageError(`--port: ${JSON.stringify(portText)} is not a valid port number`, false);
  return { name, hostPort, ...(hostIP !== undefined ? { hostIP } : {}) };
}
