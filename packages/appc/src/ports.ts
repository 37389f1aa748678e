// Ports an app listens on (image manifest `app.ports`, pod `ports[].podPort`) and ports a
// pod exposes on the host (pod manifest `ports`); appc schema/types/port.go.
import { at, expectObject, member, optBool, optInt, optString, reqString, typeName } from "./check.js";
import { fail } from "./errors.js";
import { checkName } from "./path-names.js";

/** Validates one app port at `path`; returns its name. */
export function validatePort(v: unknown, path: string): string {
  const o = expectObject(v, path, `a port object {"name", "protocol", "port"}`);
  const name = reqString(o, "name", path);
  checkName("port name", name.value, name.path);
  const protocol = reqString(o, "protocol", path, `"tcp" or "udp"`);
  if (protocol.value !== "tcp" && protocol.value !== "udp") {
    fail(protocol.path, `unsupported protocol ${JSON.stringify(protocol.value)} (must be "tcp" or "udp")`);
  }
  const portM = member(o, "port", path);
  if (portM.value === undefined) fail(portM.path, "is required (1-65535)");
  const port = optInt(o, "port", path, 1, 65535).value!;
  // appc treats a missing or zero count as 1.
  const count = optInt(o, "count", path, 0).value ?? 0;
  const effective = count === 0 ? 1 : count;
  if (port + effective > 65536) {
    fail(at(path, "count"), `end of port range must be in 1-65535 range (port ${port} + count ${effective} - 1 = ${port + effective - 1})`);
  }
  const socketActivated = optBool(o, "socketActivated", path);
  if (socketActivated && effective !== 1) {
    fail(at(path, "socketActivated"), `socket activation is only supported for a single port, not a range of ${effective}`);
  }
  return name.value;
}

/** Validates one exposed (host) port of a pod at `path`; returns its name. */
export function validateExposedPort(v: unknown, path: string): string {
  const o = expectObject(v, path, `an exposed port object {"name", "hostPort"}`);
  const name = reqString(o, "name", path);
  checkName("port name", name.value, name.path);
  const hp = member(o, "hostPort", path);
  if (hp.value === undefined) fail(hp.path, "is required (1-65535)");
  optInt(o, "hostPort", path, 1, 65535);
  const ip = optString(o, "hostIP", path);
  if (ip.value !== undefined && ip.value !== "" && !isIP(ip.value)) {
    fail(ip.path, `${JSON.stringify(ip.value)} is not an IP address (e.g. 203.0.113.23)`);
  }
  const pp = member(o, "podPort", path);
  if (pp.value !== undefined) validatePort(pp.value, pp.path);
  return name.value;
}

function isIP(s: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return s.split(".").every((p) => Number(p) <= 255 && !(p.length > 1 && p.startsWith("0")));
  if (!s.includes(":") || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/**
 * Validates a list of ports at `path` with `validate` (validatePort or validateExposedPort);
 * with `unique`, two ports of one name are an error. Returns the names in order.
 */
export function validatePortList(
  v: unknown,
  path: string,
  validate: (item: unknown, path: string) => string,
  unique: boolean,
): string[] {
  if (!Array.isArray(v)) fail(path, `must be a list of ports, got ${typeName(v)}`);
  const seen = new Set<string>();
  return v.map((item, i) => {
    const p = `${path}[${i}]`;
    const name = validate(item, p);
    if (unique && seen.has(name)) fail(`${p}.name`, `duplicate port name ${JSON.stringify(name)}`);
    seen.add(name);
    return name;
  });
}
