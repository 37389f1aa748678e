// Choosing the stage1 for a new pod, rkt's way (rkt/stage1hash.go): a --stage1-* flag, with
// no second chance; else the stage1.d configuration (name and version, then location); else
// the default flavor. A stage1 is either a plugin package (a builtin, an installed version,
// a directory or a packed .tgz) or an rkt stage1 image, which runs through the bridge.
// Only packages whose protocol range fits are ever loaded.
import { checkName } from "@rkt/appc";
import { statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import rcompare from "semver/functions/rcompare.js";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { ImageFetcher } from "../images/fetcher.js";
import type { Stage1Record } from "../pods/layout.js";
import { DEFAULT_STAGE1_NAME } from "./builtins.js";
import {
  renderStage1Image,
  stage1ImageByName,
  stage1ImageFromFile,
  stage1ImageFromHash,
  stage1ImageFromUrl,
  type Stage1Image,
} from "./image-stage1.js";
import { cachedStage1 } from "./installed.js";
import { checkStage1Package, readStage1Package, stage1Label, type Stage1Package } from "./package-info.js";
import { allStage1s, builtinStage1s, type Stage1Candidate } from "./registry.js";

/** rkt's --stage1-* flags; at most one is set (the CLI enforces rkt's exclusivity). */
export interface Stage1Selection {
  /**
   * --stage1-name=NAME[:VERSION]: an installed or builtin plugin, else a stage1 image in the
   * store, else (a name with a domain) a stage1 image found by appc discovery.
   */
  name?: string;
  /** --stage1-path: a plugin directory, a packed plugin (.tgz) or a stage1 image (ACI). */
  path?: string;
  /** --stage1-url: http, https or file. */
  url?: string;
  /** --stage1-hash: a stage1 image in the store. */
  hash?: string;
  /** --stage1-from-dir: a file in the stage1 images directory (paths.d "stage1-images"). */
  fromDir?: string;
}

export type SelectedStage1 =
  | { kind: "plugin"; pkg: Stage1Package; builtin: boolean }
  | { kind: "image"; image: Stage1Image; /** the bridge that runs it */ pkg: Stage1Package };

/** rkt's default stage1 images directory (build-time default in rkt). */
export const DEFAULT_STAGE1_IMAGES_DIR = "/usr/lib/rkt/stage1-images";

export function parseNameVersion(value: string): { name: string; version?: string } {
  const colon = value.lastIndexOf(":");
  if (colon <= 0) return { name: value };
  return { name: value.slice(0, colon), version: value.slice(colon + 1) };
}

export function stage1ImagesDir(ctx: RktContext): string {
  return ctx.config.paths.stage1Images ?? DEFAULT_STAGE1_IMAGES_DIR;
}

export async function selectStage1(ctx: RktContext, sel: Stage1Selection): Promise<SelectedStage1> {
  if (sel.name !== undefined) {
    const { name, version } = parseNameVersion(sel.name);
    const found = await byName(ctx, name, version);
    if (found) return found;
    // As rkt, a stage1 image name that is in the store is found by appc discovery; only a
    // name with a domain can be (a plugin name such as "nspwan" is a typo, not a host).
    if (name.includes("/")) return image(ctx, await discoverStage1(ctx, sel.name));
    throw notFound(ctx, name, version);
  }
  if (sel.path !== undefined) return fromPath(ctx, resolve(sel.path), sel.path);
  if (sel.url !== undefined) return fromUrl(ctx, sel.url);
  if (sel.hash !== undefined) return image(ctx, await stage1ImageFromHash(ctx, sel.hash));
  if (sel.fromDir !== undefined) {
    const file = join(stage1ImagesDir(ctx), checkName("file name", sel.fromDir, "--stage1-from-dir"));
    return fromPath(ctx, file, file);
  }
  return configured(ctx);
}

/** stage1.d: name+version looked up locally (never discovered), else the location. */
async function configured(ctx: RktContext): Promise<SelectedStage1> {
  const { name, version, location } = ctx.config.stage1;
  // rkt: a "-dirty" version may have changed without changing its name: always re-fetch.
  if (name !== undefined && !version?.endsWith("-dirty")) {
    const found = await byName(ctx, name, version);
    if (found) return found;
  }
  if (location !== undefined) return fromLocation(ctx, location);
  if (name !== undefined) throw notFound(ctx, name, version);
  const found = await byName(ctx, DEFAULT_STAGE1_NAME);
  if (!found) throw notFound(ctx, DEFAULT_STAGE1_NAME);
  return found;
}

/** A stage1.d location: an absolute path, or a URL with a scheme. */
async function fromLocation(ctx: RktContext, location: string): Promise<SelectedStage1> {
  if (isAbsolute(location)) return fromPath(ctx, location, location);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(location)) {
    throw new RktError("default stage1 image location is either a relative path or a URL without scheme");
  }
  return fromUrl(ctx, location);
}

async function fromUrl(ctx: RktContext, url: string): Promise<SelectedStage1> {
  const scheme = url.slice(0, Math.max(0, url.indexOf(":"))).toLowerCase();
  if (scheme === "file") {
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch (err) {
      throw new RktError(`invalid stage1 URL ${url}: ${(err as Error).message}`);
    }
    return fromPath(ctx, path, url);
  }
  if (scheme === "http" || scheme === "https") return image(ctx, await stage1ImageFromUrl(ctx, url));
  throw new RktError(`stage1 URL ${url}: unsupported scheme ${JSON.stringify(scheme)} (use http, https or file)`);
}

/** A plugin directory (used in place), a packed plugin (unpacked into the cache), or an ACI. */
async function fromPath(ctx: RktContext, path: string, label: string): Promise<SelectedStage1> {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new RktError(`error finding stage1 image ${JSON.stringify(label)}: no such file or directory`);
  }
  if (st.isDirectory()) {
    const pkg = readStage1Package(path);
    checkStage1Package(pkg);
    if (pkg.bridge) throw new RktError(`stage1 ${stage1Label(pkg)} only runs stage1 images; select an image instead`);
    ctx.reporter.debug(`using the stage1 package in ${path}`);
    return { kind: "plugin", pkg, builtin: false };
  }
  if (/\.(tgz|tar\.gz)$/.test(path)) {
    const pkg = await cachedStage1(ctx.dataDir, path);
    ctx.reporter.debug(`using the packed stage1 ${label}, unpacked in ${pkg.location}`);
    return { kind: "plugin", pkg, builtin: false };
  }
  return image(ctx, await stage1ImageFromFile(ctx, path, label));
}

/** An image name (NAME[:VERSION]) found by discovery and verified like any image. */
async function discoverStage1(ctx: RktContext, nameVersion: string): Promise<string> {
  return (await new ImageFetcher(ctx).fetch(nameVersion, { pullPolicy: "new" })).key;
}

async function image(ctx: RktContext, key: string): Promise<SelectedStage1> {
  const bridge = builtinStage1s("bridge").find((c) => c.pkg?.bridge);
  if (!bridge?.pkg) throw new RktError("this rkt has no stage1 bridge plugin, so it cannot run stage1 images");
  return { kind: "image", image: await renderStage1Image(ctx, key), pkg: bridge.pkg };
}

function semverDesc(a: Stage1Candidate, b: Stage1Candidate): number {
  return rcompare(a.pkg!.version, b.pkg!.version) || Number(b.builtin) - Number(a.builtin);
}

/**
 * NAME[:VERSION]: the given version, or the newest version that can load (a builtin wins a
 * tie), among builtins and installed plugins; else a stage1 image of that name in the store.
 * Undefined when nothing has that name.
 */
async function byName(ctx: RktContext, name: string, version?: string): Promise<SelectedStage1 | undefined> {
  const named = allStage1s(ctx.dataDir, name).filter((c) => c.pkg?.name === name && !c.pkg.bridge);
  const matching = version === undefined ? named : named.filter((c) => c.pkg!.version === version);
  const usable = matching.filter((c) => !c.error).sort(semverDesc);
  if (usable[0]) {
    const best = usable[0];
    ctx.reporter.debug(`using stage1 ${stage1Label(best.pkg!)} from ${best.location}`);
    return { kind: "plugin", pkg: best.pkg!, builtin: best.builtin };
  }
  if (matching.length > 0) {
    const broken = matching.sort(semverDesc)[0]!;
    throw new RktError(`stage1 ${stage1Label(broken.pkg!)} cannot be loaded: ${broken.error}`);
  }
  const key = stage1ImageByName(ctx, name, version);
  return key ? image(ctx, key) : undefined;
}

function notFound(ctx: RktContext, name: string, version?: string): RktError {
  const installed = allStage1s(ctx.dataDir)
    .filter((c) => c.pkg && !c.pkg.bridge)
    .map((c) => `${c.pkg!.name}:${c.pkg!.version}`);
  const what = version !== undefined ? `${name}:${version}` : name;
  return new RktError(
    `no stage1 named ${JSON.stringify(what)} is installed (installed: ${installed.join(", ") || "none"}), and no stage1 image of that name is in the store`,
  );
}

/** What the pod records about the stage1 it was prepared with. */
export function stage1Record(sel: SelectedStage1): Stage1Record {
  if (sel.kind === "image") {
    const { image: img } = sel;
    return { kind: "image", imageKey: img.key, name: img.name, version: img.version, interfaceVersion: img.interfaceVersion };
  }
  const { pkg } = sel;
  return {
    kind: "plugin",
    name: pkg.name,
    version: pkg.version,
    protocol: pkg.protocol,
    location: pkg.location,
    packageName: pkg.packageName,
    ...(sel.builtin ? { builtin: true } : {}),
  };
}
