// Reading and checking a stage1 package's declaration before any of its code loads:
// package.json `"rkt": {"stage1": {"name", "protocol", "entry"}}`.
import { PROTOCOL_VERSION, ProtocolMismatchError, Stage1Error } from "@rkt/stage1-api";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import satisfies from "semver/functions/satisfies.js";
import validRange from "semver/ranges/valid.js";
import minVersion from "semver/ranges/min-version.js";

export interface Stage1Package {
  /** The flavor name (`rkt.stage1.name`). */
  name: string;
  /** The package version. */
  version: string;
  /** The declared protocol range. */
  protocol: string;
  /** Absolute path of the entry module. */
  entry: string;
  /** The package directory. */
  location: string;
  packageName: string;
}

export function readStage1Package(dir: string): Stage1Package {
  const location = resolve(dir);
  const file = join(location, "package.json");
  let pkg: { name?: unknown; version?: unknown; rkt?: { stage1?: { name?: unknown; protocol?: unknown; entry?: unknown } } };
  try {
    pkg = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Stage1Error(`${file}: cannot read the stage1 package: ${(err as Error).message}`);
  }
  const decl = pkg.rkt?.stage1;
  if (!decl || typeof decl !== "object") throw new Stage1Error(`${file}: not a stage1 package (no "rkt": {"stage1": {...}} section)`);
  for (const field of ["name", "protocol", "entry"] as const) {
    if (typeof decl[field] !== "string" || decl[field] === "") {
      throw new Stage1Error(`${file}: "rkt.stage1.${field}" must be a non-empty string`);
    }
  }
  if (typeof pkg.version !== "string") throw new Stage1Error(`${file}: "version" must be a string`);
  return {
    name: decl.name as string,
    version: pkg.version,
    protocol: decl.protocol as string,
    entry: join(location, decl.entry as string),
    location,
    packageName: typeof pkg.name === "string" ? pkg.name : (decl.name as string),
  };
}

/**
 * Refuses a protocol range that is invalid, too loose to mean anything (`*`, no upper bound
 * on the major) or that does not include the protocol this rkt speaks.
 */
export function checkProtocol(pkg: Stage1Package, host = PROTOCOL_VERSION): void {
  const label = `${pkg.name}@${pkg.version}`;
  if (!validRange(pkg.protocol)) {
    throw new Stage1Error(`stage1 ${label} declares an invalid protocol range ${JSON.stringify(pkg.protocol)}`);
  }
  const min = minVersion(pkg.protocol);
  if (!min || satisfies(`${min.major + 1}.0.0`, pkg.protocol) || min.major === 0) {
    throw new Stage1Error(
      `stage1 ${label} declares the protocol range ${JSON.stringify(pkg.protocol)}, which is too loose: name a major version (for example "^1.0.0")`,
    );
  }
  if (!satisfies(host, pkg.protocol)) throw new ProtocolMismatchError(label, pkg.protocol, host);
}
