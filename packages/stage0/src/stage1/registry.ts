// Finding stage1 plugins and loading the chosen one into a DI container. A plugin's
// package.json is read and its protocol range checked before its code is imported.
import type { HostInfo, Logger, RegisteredStage1Definition, Stage1, Stage1Definition } from "@rkt/stage1-api";
import { PROTOCOL_VERSION, Stage1Error, Tokens } from "@rkt/stage1-api";
import { realpathSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import rcompare from "semver/functions/rcompare.js";
import valid from "semver/functions/valid.js";
import { RKT_VERSION } from "../version.js";
import { BUILTIN_STAGE1_MODULES, BUILTIN_STAGE1S } from "./builtins.js";
import { ensureApiLink, installedStage1s, isManagedLocation } from "./installed.js";
import { checkStage1Package, readStage1Package, stage1Label, type Stage1Package } from "./package-info.js";
import { stage0Require } from "./resolve.js";

export interface Stage1Candidate {
  pkg?: Stage1Package;
  /** For an installed version whose package.json cannot be read: the directory's name and version. */
  name?: string;
  version?: string;
  location: string;
  /** Why the candidate cannot load, when it cannot. */
  error?: string;
  /** Compiled into rkt (builtins.ts), as opposed to installed with `rkt stage1 install`. */
  builtin: boolean;
}


/** The in-tree flavors (or those of one flavor name), with the error that keeps any from loading. */
export function builtinStage1s(onlyName?: string): Stage1Candidate[] {
  const require = stage0Require();
  const wanted = BUILTIN_STAGE1S.filter((b) => onlyName === undefined || b.name === onlyName).map((b) => b.packageName);
  return wanted.map((name) => {
    let location = name;
    try {
      location = dirname(require.resolve(`${name}/package.json`));
      const pkg = readStage1Package(location);
      checkStage1Package(pkg);
      return { pkg, location, builtin: true };
    } catch (err) {
      return { location, error: (err as Error).message, builtin: true };
    }
  });
}

/**
 * Builtins and installed plugins (all, or those of one flavor name), every version, with
 * their status; by name, newest first. Imports nothing.
 */
export function allStage1s(dataDir: string, onlyName?: string): Stage1Candidate[] {
  const installed = installedStage1s(dataDir, onlyName).map(
    (i): Stage1Candidate => ({ pkg: i.pkg, name: i.name, version: i.version, location: i.location, error: i.error, builtin: false }),
  );
  const key = (c: Stage1Candidate): [string, string] => [c.pkg?.name ?? c.name ?? "", c.pkg?.version ?? c.version ?? "0.0.0"];
  return [...builtinStage1s(onlyName), ...installed].sort((a, b) => {
    const [an, av] = key(a);
    const [bn, bv] = key(b);
    return an.localeCompare(bn) || (valid(av) && valid(bv) ? rcompare(av, bv) : bv.localeCompare(av));
  });
}

export interface LoadedStage1 {
  pkg: Stage1Package;
  definition: Stage1Definition;
  stage1: Stage1;
}

/** Imports a checked stage1 package and resolves its implementation through DI. */
export async function loadStage1(pkg: Stage1Package, deps: { logger: Logger; dataDir: string }): Promise<LoadedStage1> {
  checkStage1Package(pkg);
  if (isManagedLocation(deps.dataDir, pkg.location)) ensureApiLink(pkg.location);
  const { container } = await import("@rkt/stage1-api/di");
  const label = stage1Label(pkg);
  let mod: { default?: RegisteredStage1Definition };
  try {
    // The bundled CLI (packages/cli/bin/rkt.cjs) runs from a vm.Script, where import() has no
    // loader: it provides one for plugins, which live outside the bundle.
    const load = (globalThis as { __rktImport?: (url: string) => Promise<unknown> }).__rktImport ?? ((url: string) => import(url));
    const builtin = builtinModule(pkg);
    mod = (await (builtin ? builtin() : load(pathToFileURL(pkg.entry).href))) as { default?: RegisteredStage1Definition };
  } catch (err) {
    throw new Stage1Error(`stage1 ${label}: cannot load ${pkg.entry}: ${(err as Error).message}`);
  }
  const def = mod.default;
  if (!def || typeof def.register !== "function") {
    throw new Stage1Error(`stage1 ${label}: ${pkg.entry} does not export a stage1 made with defineStage1()`);
  }
  if (def.name !== pkg.name) {
    throw new Stage1Error(`stage1 ${pkg.location}: package.json names it ${JSON.stringify(pkg.name)} but its code defines ${JSON.stringify(def.name)}`);
  }
  const scope = container.createChildContainer();
  const host: HostInfo = { rktVersion: RKT_VERSION, protocolVersion: PROTOCOL_VERSION, dataDir: deps.dataDir, stage1Location: pkg.location };
  scope.register(Tokens.Logger, { useValue: deps.logger });
  scope.register(Tokens.Host, { useValue: host });
  try {
    def.register(scope);
    return {
      pkg,
      definition: scope.resolve<Stage1Definition>(Tokens.Stage1Definition),
      stage1: scope.resolve<Stage1>(Tokens.Stage1),
    };
  } catch (err) {
    throw new Stage1Error(`stage1 ${label}: cannot start: ${(err as Error).message}`, { cause: err });
  }
}

/** The static import of a builtin flavor, when `pkg` is the builtin package itself. */
function builtinModule(pkg: Stage1Package): (() => Promise<unknown>) | undefined {
  const load = BUILTIN_STAGE1_MODULES[pkg.packageName];
  if (!load) return undefined;
  try {
    const builtinDir = realpathSync(dirname(stage0Require().resolve(`${pkg.packageName}/package.json`)));
    return builtinDir === realpathSync(pkg.location) ? load : undefined;
  } catch {
    return undefined;
  }
}
