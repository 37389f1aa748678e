// Network configurations: what a `.conf` (one plugin) or `.conflist` (a chain of plugins)
// file says, checked enough that a mistake is reported with the file's name instead of as
// a plugin's puzzled error. Keys are read as Go reads them, case-insensitively.
import { checkName } from "@rkt/appc";
import { configVersion } from "./cni/version.js";

export type PluginConf = Record<string, unknown> & { type: string };

export interface NetworkConfig {
  name: string;
  cniVersion: string;
  /** The plugins in call order: one for a .conf file, the chain of a .conflist. */
  plugins: PluginConf[];
  kind: "conf" | "conflist";
  /** The file as read: the ADD input of a single-plugin network, byte for byte (as rkt). */
  bytes: Buffer;
  /** The file name; rkt orders a pod's networks by it. */
  fileName: string;
  /** Where the file is; undefined for a built-in network. */
  path?: string;
}

export class NetworkConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NetworkConfigError";
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A member as Go's encoding/json reads it into a struct field, which is how rkt and the CNI
 * plugins read these files: keys match case-insensitively ({"Name": ..., "Ipam": ...}), and
 * of several matching keys the last one wins.
 */
export function goField(o: Record<string, unknown>, key: string): unknown {
  const lower = key.toLowerCase();
  let value: unknown;
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === lower) value = v;
  return value;
}

function pluginConf(v: unknown, where: string): PluginConf {
  if (!isObject(v)) throw new NetworkConfigError(`${where} is not a JSON object`);
  const type = goField(v, "type");
  if (typeof type !== "string" || type === "") throw new NetworkConfigError(`${where} has no "type" (the plugin to run)`);
  return { ...v, type };
}

/** Parses a network configuration file's bytes; `fileName` decides .conf or .conflist. */
export function parseNetworkConfig(bytes: Buffer, fileName: string, path?: string): NetworkConfig {
  const where = path ?? fileName;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new NetworkConfigError(`${where}: not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(json)) throw new NetworkConfigError(`${where}: not a JSON object`);
  const name = goField(json, "name");
  if (typeof name !== "string" || name === "") throw new NetworkConfigError(`${where}: the network has no "name"`);
  // The name becomes CNI's state (host-local's /var/lib/cni/networks/<name>) and rkt's --net.
  checkName("network name", name, '"name"', where);
  const cniVersion = configVersion(goField(json, "cniVersion"));
  const kind = fileName.endsWith(".conflist") ? "conflist" : "conf";
  if (kind === "conf") {
    return { name, cniVersion, plugins: [pluginConf(json, where)], kind, bytes, fileName, ...(path ? { path } : {}) };
  }
  const list = goField(json, "plugins");
  if (!Array.isArray(list) || list.length === 0) {
    throw new NetworkConfigError(`${where}: a .conflist needs a non-empty "plugins" list`);
  }
  const plugins = list.map((p, i) => pluginConf(p, `${where}: plugins[${i}]`));
  return { name, cniVersion, plugins, kind, bytes, fileName, ...(path ? { path } : {}) };
}

/** Whether the network masquerades (ipMasq in any plugin): rkt forwards ports into the first such network. */
export function masquerades(net: NetworkConfig): boolean {
  return net.plugins.some((p) => goField(p, "ipMasq") === true);
}
