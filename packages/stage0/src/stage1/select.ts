// Choosing the stage1 for a new pod: a --stage1-* flag, else the stage1.d configuration,
// else the default flavor. Only packages whose protocol range fits are ever loaded.
import { existsSync } from "node:fs";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { builtinStage1s } from "./registry.js";
import { DEFAULT_STAGE1_NAME } from "./builtins.js";
import { checkProtocol, readStage1Package, type Stage1Package } from "./package-info.js";

export interface Stage1Selection {
  /** --stage1-name=NAME[:VERSION] */
  name?: string;
  /** --stage1-path=DIR (a stage1 package directory) */
  path?: string;
}

export function parseNameVersion(value: string): { name: string; version?: string } {
  const colon = value.lastIndexOf(":");
  if (colon <= 0) return { name: value };
  return { name: value.slice(0, colon), version: value.slice(colon + 1) };
}

export function selectStage1(ctx: RktContext, sel: Stage1Selection): Stage1Package {
  if (sel.path) {
    if (!existsSync(sel.path)) throw new RktError(`--stage1-path: ${sel.path} does not exist`);
    const pkg = readStage1Package(sel.path);
    checkProtocol(pkg);
    return pkg;
  }
  let wanted: { name: string; version?: string };
  if (sel.name) wanted = parseNameVersion(sel.name);
  else if (ctx.config.stage1.name) wanted = { name: ctx.config.stage1.name, version: ctx.config.stage1.version };
  else wanted = { name: DEFAULT_STAGE1_NAME };
  return findInstalled(wanted.name, wanted.version);
}

function findInstalled(name: string, version?: string): Stage1Package {
  const candidates = builtinStage1s();
  const named = candidates.filter((c) => c.pkg?.name === name);
  const usable = named.filter((c) => !c.error && (!version || c.pkg!.version === version));
  if (usable.length > 0) return usable[0]!.pkg!;
  const broken = candidates.find((c) => c.error && c.location.includes(name));
  if (broken) throw new RktError(`stage1 ${name} cannot be loaded: ${broken.error}`);
  const installed = candidates.filter((c) => c.pkg).map((c) => `${c.pkg!.name}:${c.pkg!.version}`);
  const what = version ? `${name}:${version}` : name;
  throw new RktError(`no stage1 named ${JSON.stringify(what)} is installed (installed: ${installed.join(", ") || "none"})`);
}
