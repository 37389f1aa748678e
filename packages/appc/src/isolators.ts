// Isolators (appc schema/types/isolator*.go): each known name has a value shape and rules;
// unknown names are kept as they are (the spec lets an executor ignore what it does not
// understand). A set of isolators has rules too: some kinds may appear only once, and the
// two seccomp kinds exclude each other.
import { at, atIndex, expectInt, expectObject, expectStringMap, isObject, lookup, member, typeName } from "./check.js";
import { fail } from "./errors.js";
import { checkACIdentifier } from "./labels.js";
import { capabilityProblem, errnoProblem, seccompEntryProblem } from "./linux-names.js";
import { parseQuantity, type Quantity } from "./quantity.js";

export const IsolatorName = {
  Memory: "resource/memory",
  CPU: "resource/cpu",
  BlockBandwidth: "resource/block-bandwidth",
  BlockIOPS: "resource/block-iops",
  NetworkBandwidth: "resource/network-bandwidth",
  CapabilitiesRetain: "os/linux/capabilities-retain-set",
  CapabilitiesRemove: "os/linux/capabilities-remove-set",
  NoNewPrivileges: "os/linux/no-new-privileges",
  SeccompRetain: "os/linux/seccomp-retain-set",
  SeccompRemove: "os/linux/seccomp-remove-set",
  OOMScoreAdj: "os/linux/oom-score-adj",
  CPUShares: "os/linux/cpu-shares",
  SELinuxContext: "os/linux/selinux-context",
  AppArmorProfile: "os/linux/apparmor-profile",
  Sysctl: "os/unix/sysctl",
} as const;

export type KnownIsolatorName = (typeof IsolatorName)[keyof typeof IsolatorName];

export type ParsedIsolator =
  | { kind: "memory"; name: "resource/memory"; request?: Quantity; limit?: Quantity }
  | { kind: "cpu"; name: "resource/cpu"; request?: Quantity; limit?: Quantity }
  | { kind: "block-bandwidth"; name: "resource/block-bandwidth"; limit?: Quantity }
  | { kind: "block-iops"; name: "resource/block-iops"; limit?: Quantity }
  | { kind: "network-bandwidth"; name: "resource/network-bandwidth"; limit?: Quantity }
  | { kind: "capabilities-retain"; name: "os/linux/capabilities-retain-set"; set: string[] }
  | { kind: "capabilities-remove"; name: "os/linux/capabilities-remove-set"; set: string[] }
  | { kind: "no-new-privileges"; name: "os/linux/no-new-privileges"; value: boolean }
  | { kind: "seccomp-retain"; name: "os/linux/seccomp-retain-set"; set: string[]; errno?: string }
  | { kind: "seccomp-remove"; name: "os/linux/seccomp-remove-set"; set: string[]; errno?: string }
  | { kind: "oom-score-adj"; name: "os/linux/oom-score-adj"; value: number }
  | { kind: "cpu-shares"; name: "os/linux/cpu-shares"; value: number }
  | { kind: "selinux-context"; name: "os/linux/selinux-context"; user: string; role: string; type: string; level: string }
  | { kind: "apparmor-profile"; name: "os/linux/apparmor-profile"; profile: string }
  | { kind: "sysctl"; name: "os/unix/sysctl"; values: Record<string, string> }
  | { kind: "unknown"; name: string; value: unknown };

/** Kinds appc allows only once per isolator list. */
function singleInstance(name: string): boolean {
  switch (name) {
    case IsolatorName.SeccompRetain:
    case IsolatorName.SeccompRemove:
    case IsolatorName.OOMScoreAdj:
    case IsolatorName.CPUShares:
    case IsolatorName.SELinuxContext:
    case IsolatorName.AppArmorProfile:
    case IsolatorName.Sysctl:
      return true;
    default:
      return false;
  }
}

/**
 * Validates one isolator (`{"name": ..., "value": ...}`) found at `field` (e.g.
 * `app.isolators[0]`) and returns its typed value. Problems with the value are reported at
 * `<field>.value`.
 */
export function parseIsolator(isolator: unknown, field: string): ParsedIsolator {
  const o = expectObject(isolator, field, `an isolator object {"name", "value"}`);
  const nameHit = lookup(o, "name");
  const namePath = at(field, nameHit?.key ?? "name");
  const name = nameHit?.value;
  if (name === undefined || name === null || name === "") fail(namePath, "is required");
  if (typeof name !== "string") fail(namePath, `must be a string, got ${typeName(name)}`);
  checkACIdentifier(name, namePath);
  const valueHit = lookup(o, "value");
  const vp = at(field, valueHit?.key ?? "value");
  const v = valueHit?.value;
  const known = (Object.values(IsolatorName) as string[]).includes(name);
  if (known && v === undefined) fail(vp, `is required for isolator ${name}`);

  switch (name) {
    case IsolatorName.Memory:
    case IsolatorName.CPU: {
      const r = resource(v, vp, name);
      if (r.default) fail(at(vp, "default"), "default must be false");
      return name === IsolatorName.Memory
        ? { kind: "memory", name, ...optional(r) }
        : { kind: "cpu", name, ...optional(r) };
    }
    case IsolatorName.BlockBandwidth:
    case IsolatorName.BlockIOPS:
    case IsolatorName.NetworkBandwidth: {
      const r = resource(v, vp, name);
      if (r.default !== true) fail(at(vp, "default"), "default must be true");
      if (r.request) fail(at(vp, "request"), "request not supported by this resource, must be empty");
      const limit = r.limit ? { limit: r.limit } : {};
      if (name === IsolatorName.BlockBandwidth) return { kind: "block-bandwidth", name, ...limit };
      if (name === IsolatorName.BlockIOPS) return { kind: "block-iops", name, ...limit };
      return { kind: "network-bandwidth", name, ...limit };
    }
    case IsolatorName.CapabilitiesRetain:
    case IsolatorName.CapabilitiesRemove: {
      const set = stringSet(v, vp);
      set.list.forEach((c, i) => {
        const p = capabilityProblem(c);
        if (p) fail(atIndex(set.path, i), p);
      });
      return name === IsolatorName.CapabilitiesRetain
        ? { kind: "capabilities-retain", name, set: set.list }
        : { kind: "capabilities-remove", name, set: set.list };
    }
    case IsolatorName.NoNewPrivileges:
      if (typeof v !== "boolean") fail(vp, `must be true or false, got ${typeName(v)}`);
      return { kind: "no-new-privileges", name, value: v };
    case IsolatorName.SeccompRetain:
    case IsolatorName.SeccompRemove: {
      const set = stringSet(v, vp);
      set.list.forEach((e, i) => {
        const p = seccompEntryProblem(e, false);
        if (p) fail(atIndex(set.path, i), p);
      });
      const errno = member(expectObject(v, vp), "errno", vp);
      let errnoValue: string | undefined;
      if (errno.value !== undefined && errno.value !== "") {
        if (typeof errno.value !== "string") fail(errno.path, `must be a string, got ${typeName(errno.value)}`);
        const p = errnoProblem(errno.value);
        if (p) fail(errno.path, p);
        errnoValue = errno.value;
      }
      const extra = errnoValue === undefined ? {} : { errno: errnoValue };
      return name === IsolatorName.SeccompRetain
        ? { kind: "seccomp-retain", name, set: set.list, ...extra }
        : { kind: "seccomp-remove", name, set: set.list, ...extra };
    }
    case IsolatorName.OOMScoreAdj:
      return { kind: "oom-score-adj", name, value: expectInt(v, vp, -1000, 1000) };
    case IsolatorName.CPUShares:
      return { kind: "cpu-shares", name, value: expectInt(v, vp, 2, 262144) };
    case IsolatorName.SELinuxContext: {
      const o2 = expectObject(v, vp, `an object {"user", "role", "type", "level"}`);
      const part = (key: "user" | "role" | "type" | "level", colonOK: boolean): string => {
        const m = member(o2, key, vp);
        if (m.value === undefined || m.value === "") fail(m.path, `is required`);
        if (typeof m.value !== "string") fail(m.path, `must be a string, got ${typeName(m.value)}`);
        if (!colonOK && m.value.includes(":")) fail(m.path, `invalid ${key} value ${JSON.stringify(m.value)}: must not contain ":"`);
        return m.value;
      };
      return {
        kind: "selinux-context",
        name,
        user: part("user", false),
        role: part("role", false),
        type: part("type", false),
        level: part("level", true),
      };
    }
    case IsolatorName.AppArmorProfile: {
      const o2 = expectObject(v, vp, `an object {"profile"}`);
      const m = member(o2, "profile", vp);
      if (m.value === undefined || m.value === "") fail(m.path, "is required");
      if (typeof m.value !== "string") fail(m.path, `must be a string, got ${typeName(m.value)}`);
      return { kind: "apparmor-profile", name, profile: m.value };
    }
    case IsolatorName.Sysctl:
      return { kind: "sysctl", name, values: expectStringMap(v, vp) };
    default:
      return { kind: "unknown", name, value: v };
  }
}

/**
 * Validates a list of isolators found at `field` (e.g. `app.isolators`): every isolator, no
 * second instance of a kind allowed only once, no seccomp retain-set with a remove-set.
 */
export function validateIsolators(list: unknown, field: string): ParsedIsolator[] {
  if (!Array.isArray(list)) fail(field, `must be a list of isolators, got ${typeName(list)}`);
  const seen = new Set<string>();
  return list.map((item, i) => {
    const p = parseIsolator(item, atIndex(field, i));
    if (seen.has(p.name) && singleInstance(p.name)) {
      fail(atIndex(field, i), `isolators set contains too many instances of type ${p.name}`);
    }
    const rival =
      p.name === IsolatorName.SeccompRetain
        ? IsolatorName.SeccompRemove
        : p.name === IsolatorName.SeccompRemove
          ? IsolatorName.SeccompRetain
          : undefined;
    if (rival && seen.has(rival)) {
      fail(atIndex(field, i), `isolators set contains incompatible types: ${p.name} cannot be combined with ${rival}`);
    }
    seen.add(p.name);
    return p;
  });
}

interface ResourceValue {
  default?: boolean;
  request?: Quantity;
  limit?: Quantity;
}

function optional(r: ResourceValue): { request?: Quantity; limit?: Quantity } {
  const out: { request?: Quantity; limit?: Quantity } = {};
  if (r.request) out.request = r.request;
  if (r.limit) out.limit = r.limit;
  return out;
}

function resource(v: unknown, vp: string, name: string): ResourceValue {
  const o = expectObject(v, vp, `an object {"request", "limit"} of quantities`);
  const out: ResourceValue = {};
  const d = member(o, "default", vp);
  if (d.value !== undefined) {
    if (typeof d.value !== "boolean") fail(d.path, `must be true or false, got ${typeName(d.value)}`);
    out.default = d.value;
  }
  for (const key of ["request", "limit"] as const) {
    const m = member(o, key, vp);
    if (m.value === undefined) continue;
    if (typeof m.value !== "string") {
      fail(m.path, `must be a quantity string such as "128Mi" or "500m", got ${typeName(m.value)}`);
    }
    let q: Quantity;
    try {
      q = parseQuantity(m.value);
    } catch (err) {
      fail(m.path, (err as Error).message);
    }
    if (q.num < 0n) fail(m.path, `${name} ${key} must not be negative, got ${JSON.stringify(m.value)}`);
    out[key] = q;
  }
  return out;
}

function stringSet(v: unknown, vp: string): { path: string; list: string[] } {
  const o = isObject(v) ? v : fail(vp, `must be an object {"set": [...]}, got ${typeName(v)}`);
  const m = member(o, "set", vp);
  if (!Array.isArray(m.value)) {
    fail(m.path, m.value === undefined ? "set must be non-empty" : `must be a list of strings, got ${typeName(m.value)}`);
  }
  if (m.value.length === 0) fail(m.path, "set must be non-empty");
  m.value.forEach((s, i) => {
    if (typeof s !== "string") fail(atIndex(m.path, i), `must be a string, got ${typeName(s)}`);
  });
  return { path: m.path, list: m.value as string[] };
}
