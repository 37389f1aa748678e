// CNI results, whatever their version, read into one shape. Two families exist:
//
//   0.1.0, 0.2.0   {ip4: {ip, gateway, routes}, ip6: {...}, dns}
//   0.3.x .. 1.0.0 {interfaces: [{name, mac, sandbox}], ips: [{address, gateway, interface}],
//                   routes: [{dst, gw}], dns}
//
// The raw JSON is kept too: it is what DEL and CHECK get back as prevResult, unchanged.
import { isLegacyResult } from "./version.js";

export interface CniInterface {
  name: string;
  mac?: string;
  /** The netns path for an interface inside the container; absent for host-side ones. */
  sandbox?: string;
}

export interface CniIp {
  /** CIDR: 172.16.28.2/24. */
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
  version: 4 | 6;
}

export interface CniRoute {
  dst: string;
  gw?: string;
}

export interface CniDns {
  nameservers: string[];
  domain?: string;
  search: string[];
  options: string[];
}

export interface CniResult {
  cniVersion: string;
  interfaces: CniInterface[];
  ips: CniIp[];
  routes: CniRoute[];
  dns: CniDns;
}

export class CniResultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CniResultError";
  }
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new CniResultError(`${what} is not an object`);
  return v as Record<string, unknown>;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string" && s !== "") : [];
}

function ipVersion(cidr: string): 4 | 6 {
  return cidr.includes(":") ? 6 : 4;
}

function routes(v: unknown, what: string): CniRoute[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new CniResultError(`${what} is not a list`);
  return v.map((r, i) => {
    const o = obj(r, `${what}[${i}]`);
    const dst = str(o.dst);
    if (!dst) throw new CniResultError(`${what}[${i}] has no dst`);
    const gw = str(o.gw);
    return gw ? { dst, gw } : { dst };
  });
}

function dns(v: unknown): CniDns {
  if (typeof v !== "object" || v === null) return { nameservers: [], search: [], options: [] };
  const o = v as Record<string, unknown>;
  const domain = str(o.domain);
  return { nameservers: strings(o.nameservers), ...(domain ? { domain } : {}), search: strings(o.search), options: strings(o.options) };
}

function checkCidr(address: string, what: string): string {
  if (!/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(address)) throw new CniResultError(`${what} ${JSON.stringify(address)} is not an address in CIDR form`);
  return address;
}

/** Reads a plugin's ADD (or CHECK-less) output. `configVersion` is used when the result names none. */
export function parseResult(raw: unknown, configVersion: string): CniResult {
  const o = obj(raw, "the plugin's result");
  const version = str(o.cniVersion) ?? configVersion;
  if (isLegacyResult(version)) {
    const ips: CniIp[] = [];
    const rs: CniRoute[] = [];
    for (const key of ["ip4", "ip6"] as const) {
      if (o[key] === undefined || o[key] === null) continue;
      const sec = obj(o[key], key);
      const ip = str(sec.ip);
      if (!ip) throw new CniResultError(`${key} has no ip`);
      const gateway = str(sec.gateway);
      ips.push({ address: checkCidr(ip, `${key}.ip`), ...(gateway ? { gateway } : {}), version: key === "ip4" ? 4 : 6 });
      rs.push(...routes(sec.routes, `${key}.routes`));
    }
    return { cniVersion: version, interfaces: [], ips, routes: rs, dns: dns(o.dns) };
  }
  const interfaces: CniInterface[] = [];
  if (o.interfaces !== undefined && o.interfaces !== null) {
    if (!Array.isArray(o.interfaces)) throw new CniResultError("interfaces is not a list");
    o.interfaces.forEach((itf, i) => {
      const e = obj(itf, `interfaces[${i}]`);
      const name = str(e.name);
      if (!name) throw new CniResultError(`interfaces[${i}] has no name`);
      const mac = str(e.mac);
      const sandbox = str(e.sandbox);
      interfaces.push({ name, ...(mac ? { mac } : {}), ...(sandbox ? { sandbox } : {}) });
    });
  }
  const ips: CniIp[] = [];
  if (o.ips !== undefined && o.ips !== null) {
    if (!Array.isArray(o.ips)) throw new CniResultError("ips is not a list");
    o.ips.forEach((entry, i) => {
      const e = obj(entry, `ips[${i}]`);
      const address = str(e.address);
      if (!address) throw new CniResultError(`ips[${i}] has no address`);
      checkCidr(address, `ips[${i}].address`);
      const gateway = str(e.gateway);
      const itf = typeof e.interface === "number" && Number.isInteger(e.interface) && e.interface >= 0 ? e.interface : undefined;
      ips.push({ address, ...(gateway ? { gateway } : {}), ...(itf !== undefined ? { interface: itf } : {}), version: ipVersion(address) });
    });
  }
  return { cniVersion: version, interfaces, ips, routes: routes(o.routes, "routes"), dns: dns(o.dns) };
}

/** The interfaces inside the pod's network namespace (those with a sandbox). */
export function containerInterfaces(r: CniResult): CniInterface[] {
  return r.interfaces.filter((i) => i.sandbox !== undefined);
}

/** The first IPv4 address of a result, as rkt's net-info.json records it (ip and mask). */
export function firstIPv4(r: CniResult): { ip: string; prefix: number; gateway?: string } | undefined {
  const e = r.ips.find((i) => i.version === 4);
  if (!e) return undefined;
  const [ip, prefix] = e.address.split("/");
  return { ip: ip!, prefix: Number(prefix), ...(e.gateway ? { gateway: e.gateway } : {}) };
}

/** A prefix length as a dotted mask (24 -> 255.255.255.0), as rkt's "mask" field. */
export function prefixToMask(prefix: number): string {
  const bits = Math.max(0, Math.min(32, prefix));
  const n = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join(".");
}
