// Installed stage1 plugins: <data>/stage1/<name>/<version>/, one package directory per
// version, so several versions of one flavor live side by side. Packed plugins selected
// with --stage1-path=X.tgz go to a content-addressed cache, <data>/stage1/.cache/<sha256>/.
//
// A package is unpacked into a temporary directory next to its final place, checked there
// (package.json, protocol range, entry, dependencies) and only then renamed into place: a
// refused or broken package never becomes visible. A .tgz is untrusted input and goes
// through the store's safe extractor.
//
// Plugins peer-depend on @rkt/stage1-api: the host's copy must be the one they import, or
// tokens, classes and the DI container would split. Each unpacked package gets a
// node_modules/@rkt/stage1-api symlink to the host's package (written here, checked and
// repaired at load time): plain Node resolution then finds it, with no resolve hook to
// register on every start of rkt.
import { isStage1Error, safeJoin, Stage1Error } from "@rkt/stage1-api";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, rmdirSync, statSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { checkStage1Package, isStage1Name, readStage1Package, stage1Label, type Stage1Package } from "./package-info.js";
import { stage0Require } from "./resolve.js";

const API_PACKAGE = "@rkt/stage1-api";
/** Bound on a packed plugin's unpacked size: plugins are code, not root filesystems. */
const MAX_UNPACKED_BYTES = 2 * 1024 ** 3;

/** <data>/stage1 */
export function stage1Dir(dataDir: string): string {
  return join(dataDir, "stage1");
}

export function installedPath(dataDir: string, name: string, version: string): string {
  return safeJoin(stage1Dir(dataDir), [name, version], "stage1 name or version");
}

/** Whether a package directory was unpacked by rkt (installed or cached), so rkt maintains it. */
export function isManagedLocation(dataDir: string, location: string): boolean {
  return resolve(location).startsWith(stage1Dir(dataDir) + sep);
}

export interface InstalledStage1 {
  name: string;
  version: string;
  location: string;
  pkg?: Stage1Package;
  /** Why it cannot load, when it cannot. */
  error?: string;
}

/** Every installed name/version (or those of one flavor name) with its status; nothing is imported. */
export function installedStage1s(dataDir: string, onlyName?: string): InstalledStage1[] {
  const out: InstalledStage1[] = [];
  const root = stage1Dir(dataDir);
  for (const name of onlyName === undefined ? listDir(root) : [onlyName]) {
    if (!isStage1Name(name)) continue; // .cache, .tmp-*, .trash-*
    for (const version of listDir(join(root, name))) {
      if (version.startsWith(".")) continue;
      const location = join(root, name, version); // entries of a listing: plain names
      const item: InstalledStage1 = { name, version, location };
      try {
        const pkg = readStage1Package(location);
        item.pkg = pkg;
        if (pkg.name !== name || pkg.version !== version) {
          throw new Stage1Error(`${location} holds ${stage1Label(pkg)}, not ${name}@${version}`);
        }
        checkStage1Package(pkg);
      } catch (err) {
        item.error = (err as Error).message;
      }
      out.push(item);
    }
  }
  return out;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

let hostApi: string | undefined;

/** The directory of the host's @rkt/stage1-api (symlinks resolved). */
export function hostApiDir(): string {
  hostApi ??= realpathSync(dirname(stage0Require().resolve(`${API_PACKAGE}/package.json`)));
  return hostApi;
}

/**
 * Makes <pkg>/node_modules/@rkt/stage1-api a symlink to the host's package. Cheap when it
 * already is (one readlink); repairs it when rkt moved (an upgrade) or a package shipped
 * its own copy. Failing to repair (a read-only data dir) is left to the import to report.
 */
export function ensureApiLink(pkgDir: string): void {
  const link = join(pkgDir, "node_modules", ...API_PACKAGE.split("/"));
  // Never write through a package's own symbolic link (node_modules -> /somewhere/else).
  if (!realDirOrAbsent(dirname(dirname(link))) || !realDirOrAbsent(dirname(link))) return;
  const target = hostApiDir();
  try {
    if (readlinkSync(link) === target) return;
  } catch {
    // missing, or a real directory
  }
  try {
    mkdirSync(dirname(link), { recursive: true });
    const tmp = `${link}.${randomBytes(4).toString("hex")}.tmp`;
    symlinkSync(target, tmp, "dir");
    if (lstatSync(link, { throwIfNoEntry: false })?.isDirectory()) rmSync(link, { recursive: true, force: true });
    renameSync(tmp, link);
  } catch {
    // reported by the import, with the path it could not resolve
  }
}

/** Whether `path` is a directory itself (not a symbolic link to one), or does not exist. */
function realDirOrAbsent(path: string): boolean {
  const st = lstatSync(path, { throwIfNoEntry: false });
  return st === undefined || st.isDirectory();
}

/** A package directory being unpacked next to its final place; removed unless kept. */
class Staging {
  readonly dir: string;
  constructor(parent: string) {
    mkdirSync(parent, { recursive: true, mode: 0o755 });
    this.dir = join(parent, `.tmp-${randomBytes(8).toString("hex")}`);
    mkdirSync(this.dir, { mode: 0o755 });
  }
  discard(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function isPacked(source: string): boolean {
  return /\.(tgz|tar\.gz|tar)$/.test(source);
}

/** Unpacks `source` (a package directory or an npm-packed .tgz) into `dest`. */
async function unpack(source: string, dest: string): Promise<void> {
  let st;
  try {
    st = statSync(source);
  } catch {
    throw new Stage1Error(`${source}: no such file or directory`);
  }
  if (st.isDirectory()) return copyPackageDir(source, dest);
  if (!st.isFile() || !isPacked(source)) {
    throw new Stage1Error(`${source} is neither a stage1 package directory nor a packed package (.tgz)`);
  }
  // Loaded only here: `rkt run` with an installed plugin never needs the tar code.
  const { extractTar } = await import("@rkt/store");
  try {
    await extractTar(source, {
      dest,
      strip: "package/", // npm pack puts every file under package/
      maxDecompressedBytes: MAX_UNPACKED_BYTES,
      specialFiles: async () => {
        throw new Stage1Error(`${source}: a stage1 package may not contain device nodes, FIFOs or extended attributes`);
      },
    });
  } catch (err) {
    if (isStage1Error(err)) throw err;
    throw new Stage1Error(`${source}: cannot unpack: ${(err as Error).message}`);
  }
}

/**
 * Copies a package directory: everything but node_modules, where only the bundled
 * dependencies are taken (what `npm pack` would ship). A developer's node_modules holds
 * devDependencies and its own copy of @rkt/stage1-api, neither of which belongs in an install.
 */
function copyPackageDir(source: string, dest: string): void {
  const pkg = readStage1Package(source);
  // child_process only when a directory is installed: rkt's start-up does not pay for it.
  const { execFileSync } = createRequire(import.meta.url)("node:child_process") as typeof import("node:child_process");
  const cp = (from: string, to: string): void => {
    try {
      execFileSync("cp", ["-a", "--reflink=auto", from, to], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (err) {
      throw new Stage1Error(`copying ${from}: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message}`);
    }
  };
  for (const entry of readdirSync(source)) {
    if (entry !== "node_modules") cp(join(source, entry), join(dest, entry));
  }
  for (const dep of pkg.bundled) {
    // dep is an npm package name (readStage1Package checked it): [@scope/]name.
    const parts = dep.split("/");
    const from = safeJoin(join(source, "node_modules"), parts, "package name");
    if (!existsSync(from)) continue; // reported by the dependency check
    const to = safeJoin(join(dest, "node_modules"), parts, "package name");
    mkdirSync(dirname(to), { recursive: true });
    cp(from, to);
  }
}

/** What every unpacked package must pass before it is renamed into place. */
function checkUnpacked(dir: string): Stage1Package {
  const pkg = readStage1Package(dir);
  if (pkg.bridge) throw new Stage1Error(`stage1 ${stage1Label(pkg)} declares itself a bridge; only rkt's own bridge may`);
  for (const d of ["node_modules", join("node_modules", "@rkt")]) {
    if (!realDirOrAbsent(join(dir, d))) throw new Stage1Error(`stage1 ${stage1Label(pkg)}: ${d} is not a directory (a stage1 package may not make it a symbolic link)`);
  }
  checkStage1Package(pkg);
  for (const dep of pkg.dependencies) {
    if (dep === API_PACKAGE) continue; // always the host's
    if (!pkg.bundled.includes(dep) || !existsSync(join(dir, "node_modules", dep, "package.json"))) {
      throw new Stage1Error(
        `stage1 ${stage1Label(pkg)} depends on ${dep}, which it does not bundle: rkt installs no dependencies; list it in "bundleDependencies" or bundle it into the entry`,
      );
    }
  }
  ensureApiLink(dir);
  return pkg;
}

export interface InstallResult {
  pkg: Stage1Package;
  /** The version that was there before (--replace). */
  replaced: boolean;
}

/** rkt stage1 install: a package directory or .tgz becomes <data>/stage1/<name>/<version>/. */
export async function installStage1(
  dataDir: string,
  source: string,
  opts: { replace: boolean; builtins: { name: string; version: string }[] },
): Promise<InstallResult> {
  const root = stage1Dir(dataDir);
  const staging = new Staging(root);
  try {
    await unpack(source, staging.dir);
    const found = checkUnpacked(staging.dir);
    if (opts.builtins.some((b) => b.name === found.name && b.version === found.version)) {
      throw new Stage1Error(`stage1 ${stage1Label(found)} is built into rkt; give the package another version to install it`);
    }
    const target = installedPath(dataDir, found.name, found.version);
    const exists = existsSync(target);
    if (exists && !opts.replace) {
      throw new Stage1Error(`stage1 ${stage1Label(found)} is already installed at ${target} (use --replace to overwrite it)`);
    }
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    if (exists) {
      const trash = join(root, `.trash-${randomBytes(8).toString("hex")}`);
      renameSync(target, trash);
      renameSync(staging.dir, target);
      rmSync(trash, { recursive: true, force: true });
    } else {
      renameSync(staging.dir, target);
    }
    return { pkg: readStage1Package(target), replaced: exists };
  } finally {
    staging.discard();
  }
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

/**
 * A packed plugin used with --stage1-path: unpacked once into the cache, by content, so a pod
 * keeps working from its own copy whatever happens to the .tgz afterwards.
 */
export async function cachedStage1(dataDir: string, tgz: string): Promise<Stage1Package> {
  const cacheRoot = join(stage1Dir(dataDir), ".cache");
  let digest: string;
  try {
    digest = await sha256File(tgz);
  } catch (err) {
    throw new Stage1Error(`${tgz}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
  const target = join(cacheRoot, digest);
  if (existsSync(join(target, "package.json"))) return readStage1Package(target);
  const staging = new Staging(cacheRoot);
  try {
    await unpack(tgz, staging.dir);
    checkUnpacked(staging.dir);
    try {
      renameSync(staging.dir, target);
    } catch (err) {
      // Another rkt unpacked the same content first: same bytes, use theirs.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EEXIST" && code !== "ENOTEMPTY") throw err;
    }
    return readStage1Package(target);
  } finally {
    staging.discard();
  }
}

/** rkt stage1 remove: takes the version out of sight first (a rename), then deletes it. */
export function removeStage1(dataDir: string, name: string, version?: string): InstalledStage1 {
  const versions = installedStage1s(dataDir).filter((i) => i.name === name);
  let victim: InstalledStage1 | undefined;
  if (version !== undefined) {
    victim = versions.find((v) => v.version === version);
  } else if (versions.length > 1) {
    throw new Stage1Error(
      `several versions of stage1 ${name} are installed (${versions.map((v) => v.version).join(", ")}): name one as ${name}:VERSION`,
    );
  } else {
    victim = versions[0];
  }
  if (!victim) throw new Stage1Error(`stage1 ${version ? `${name}@${version}` : name} is not installed`);
  const trash = join(stage1Dir(dataDir), `.trash-${randomBytes(8).toString("hex")}`);
  renameSync(victim.location, trash);
  rmSync(trash, { recursive: true, force: true });
  try {
    rmdirSync(dirname(victim.location)); // the name's directory, once its last version is gone
  } catch {
    // other versions remain
  }
  return victim;
}
