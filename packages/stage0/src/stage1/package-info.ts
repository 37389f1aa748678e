// Reading and checking a stage1 package's declaration before any of its code loads:
// package.json `"rkt": {"stage1": {"name", "protocol", "entry"}}`.
import { checkName, nameProblem } from "@rkt/appc";
import { PROTOCOL_VERSION, ProtocolMismatchError, Stage1Error } from "@rkt/stage1-api";
import { existsSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import satisfies from "semver/functions/satisfies.js";
import validRange from "semver/ranges/valid.js";
import minVersion from "semver/ranges/min-version.js";

/** Whether `name` is a stage1 plugin name (<data>/stage1/<name>), not .cache, .tmp-*... */
export function isStage1Name(name: string): boolean {
  return nameProblem("stage1 name", name) === undefined;
}

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
  /** `rkt.stage1.bridge`: runs rkt stage1 images; chosen by image, never by name. */
  bridge: boolean;
  /** Runtime dependencies (package.json `dependencies`). */
  dependencies: string[];
  /** The ones shipped inside the package (`bundleDependencies` / `bundledDependencies`). */
  bundled: string[];
}

type RawPackage = {
  name?: unknown;
  version?: unknown;
  dependencies?: unknown;
  bundleDependencies?: unknown;
  bundledDependencies?: unknown;
  rkt?: { stage1?: { name?: unknown; protocol?: unknown; entry?: unknown; bridge?: unknown } };
};

export function readStage1Package(dir: string): Stage1Package {
  const location = resolve(dir);
  const file = join(location, "package.json");
  let pkg: RawPackage;
  try {
    pkg = JSON.parse(readFileSync(file, "utf8")) as RawPackage;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Stage1Error(`${file}: cannot read the stage1 package: ${e.code === "ENOENT" ? "no such file" : e.message}`);
  }
  const decl = pkg?.rkt?.stage1;
  if (!decl || typeof decl !== "object") throw new Stage1Error(`${file}: not a stage1 package (no "rkt": {"stage1": {...}} section)`);
  for (const field of ["name", "protocol", "entry"] as const) {
    if (typeof decl[field] !== "string" || decl[field] === "") {
      throw new Stage1Error(`${file}: "rkt.stage1.${field}" must be a non-empty string`);
    }
  }
  // The name and version become <data>/stage1/<name>/<version>, dependencies node_modules/<dep>.
  const name = checkName("stage1 name", decl.name as string, '"rkt.stage1.name"', file);
  if (typeof pkg.version !== "string") throw new Stage1Error(`${file}: "version" must be a semantic version (for example "1.0.0")`);
  checkName("stage1 version", pkg.version, '"version"', file);
  // The entry must stay inside the package: a plugin is a self-contained directory.
  const entry = resolve(location, decl.entry as string);
  if (relative(location, entry).startsWith("..")) throw new Stage1Error(`${file}: "rkt.stage1.entry" points outside the package`);
  const bundledField = pkg.bundleDependencies !== undefined ? "bundleDependencies" : "bundledDependencies";
  const bundled = pkg.bundleDependencies ?? pkg.bundledDependencies;
  const dependencies = pkg.dependencies && typeof pkg.dependencies === "object" ? Object.keys(pkg.dependencies) : [];
  for (const dep of dependencies) checkName("package name", dep, '"dependencies"', file);
  if (Array.isArray(bundled)) for (const dep of bundled) checkName("package name", dep as string, `"${bundledField}"`, file);
  return {
    name,
    version: pkg.version,
    protocol: decl.protocol as string,
    entry,
    location,
    packageName: typeof pkg.name === "string" ? pkg.name : name,
    bridge: decl.bridge === true,
    dependencies,
    bundled: Array.isArray(bundled) ? bundled.filter((d): d is string => typeof d === "string") : bundled === true ? Object.keys(pkg.dependencies ?? {}) : [],
  };
}

/** `name@version`, how messages name a stage1 package. */
export function stage1Label(pkg: { name: string; version: string }): string {
  return `${pkg.name}@${pkg.version}`;
}

/**
 * Refuses a protocol range that is invalid, too loose to mean anything (`*`, no upper bound
 * on the major) or that does not include the protocol this rkt speaks.
 */
export function checkProtocol(pkg: Stage1Package, host = PROTOCOL_VERSION): void {
  const label = stage1Label(pkg);
  if (!validRange(pkg.protocol)) {
    throw new Stage1Error(`stage1 ${label} declares an invalid protocol range ${JSON.stringify(pkg.protocol)}`);
  }
  // Too loose: no upper bound on the major (`*`, `>=1.0.0`, `^1.0.0 || >=3`): it would accept
  // protocols that do not exist yet; or major 0, which has no compatibility promise. A bounded
  // range over several majors (`^1.0.0 || ^2.0.0`) is a plugin speaking both, and is fine.
  const min = minVersion(pkg.protocol);
  if (!min || min.major === 0 || satisfies(`${Number.MAX_SAFE_INTEGER}.0.0`, pkg.protocol)) {
    throw new Stage1Error(
      `stage1 ${label} declares the protocol range ${JSON.stringify(pkg.protocol)}, which is too loose: name a major version (for example "^1.0.0")`,
    );
  }
  if (!satisfies(host, pkg.protocol)) throw new ProtocolMismatchError(label, pkg.protocol, host);
}

/** Everything that can be checked without running the stage1's code; throws the first problem. */
export function checkStage1Package(pkg: Stage1Package): void {
  checkProtocol(pkg);
  if (!existsSync(pkg.entry)) throw new Stage1Error(`stage1 ${stage1Label(pkg)}: its entry ${pkg.entry} is missing`);
}
