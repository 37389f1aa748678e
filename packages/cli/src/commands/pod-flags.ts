// The flags of `rkt run` and `rkt prepare`, and rkt's positional grammar:
//   rkt run [pod flags] IMAGE [app flags] [-- ARGS... ---] [IMAGE [app flags] ...]
// App flags apply to the image before them; `--mount` before any image applies to all.
import { checkName, mountFromFlag, parseEnvFile, volumeFromFlag } from "@rkt/appc";
import type { AppRequest, EnvOptions, PreparePodRequest, PullPolicy, Stage1Selection } from "@rkt/stage0";
import { readFileSync } from "node:fs";
import type { CommandContext, GlobalOptions } from "../command.js";
import { deprecationNotices, Flags, parseFlags, UsageError, type FlagSpec, type FlagValues } from "../flags.js";
import { globalOptions } from "../global-flags.js";
import { APP_FLAGS, STAGE1_FLAGS } from "./flag-specs.js";
import { appIsolators } from "./isolator-flags.js";
import { parsePort } from "./net-flags.js";

function keyValue(flag: string, value: string): [string, string] {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new UsageError(`--${flag}: ${JSON.stringify(value)} is not in the form NAME=VALUE`, false);
  return [value.slice(0, eq), value.slice(eq + 1)];
}

function keyValues(flags: Flags, flag: string): [string, string][] {
  return flags.list(flag).map((v) => keyValue(flag, v));
}

/** --mount volume=NAME,target=PATH (appc's parser: the name is checked before it is used). */
function parseMount(value: string): { volume: string; target: string } {
  const m = mountFromFlag(value);
  return { volume: m.volume, target: m.path };
}

function appRequest(image: string, flags: Flags, args: string[]): AppRequest {
  const str = (n: string): string | undefined => (flags.has(n) ? flags.string(n) : undefined);
  const gids = str("supplementary-gids");
  return {
    image,
    signature: str("signature"),
    name: flags.has("name") ? checkName("app name", flags.string("name"), "--name") : undefined,
    exec: str("exec"),
    args,
    workingDir: str("working-dir"),
    user: str("user"),
    group: str("group"),
    supplementaryGids: gids === undefined ? undefined : gids.split(",").filter(Boolean).map((g) => {
      if (!/^[0-9]+$/.test(g)) throw new UsageError(`--supplementary-gids: ${JSON.stringify(g)} is not a number`, false);
      return Number(g);
    }),
    environment: keyValues(flags, "environment"),
    annotations: keyValues(flags, "annotation"),
    userAnnotations: keyValues(flags, "user-annotation"),
    userLabels: keyValues(flags, "user-label"),
    mounts: flags.list("mount").map(parseMount),
    isolators: appIsolators(flags),
    readonlyRootfs: flags.has("readonly-rootfs") ? flags.bool("readonly-rootfs") : undefined,
  };
}

export interface AppsOptions {
  /** The flags that apply to the image before them; every other flag applies to the pod. */
  appFlags?: FlagSpec[];
  /** Whether `-- ARGS... ---` may follow an image (not for fetch). */
  appArgs?: boolean;
}

export interface PodCommandLine {
  apps: AppRequest[];
  /** The command's flags, those given between and after the images included. */
  flags: Flags;
  global: GlobalOptions;
}

/**
 * rkt's parseApps: the words after the pod flags are images, each followed by its app
 * flags and `-- ARGS... ---`. As with Go's pflag, any flag of the command may also appear
 * between and after the images (`rkt fetch IMAGE --full`, `rkt run IMAGE --hostname=h`):
 * app flags apply to the image before them, the others to the pod.
 */
export function parseApps(ctx: Pick<CommandContext, "flags" | "rest" | "out">, opts: AppsOptions = {}): PodCommandLine {
  const appFlags = opts.appFlags ?? APP_FLAGS;
  const isAppFlag = new Set(appFlags.map((f) => f.name));
  const specs = ctx.flags.specs;
  const rest = ctx.rest;
  const apps: AppRequest[] = [];
  const podValues: FlagValues = new Map();
  let i = 0;
  while (i < rest.length) {
    const image = rest[i++]!;
    if (image === "--" || image === "---") throw new UsageError("an image is required before any app arguments", false);
    const parsed = parseFlags(rest.slice(i), specs, { stopAtPositional: true });
    const appValues: FlagValues = new Map();
    for (const [name, values] of parsed.values) {
      const into = isAppFlag.has(name) ? appValues : podValues;
      into.set(name, [...(into.get(name) ?? []), ...values]);
    }
    let remaining = parsed.rest;
    let args: string[] = [];
    if (parsed.stoppedAt === "--") {
      if (opts.appArgs === false) throw new UsageError("app arguments (-- ...) are not allowed with this command", false);
      const end = remaining.indexOf("---");
      args = end >= 0 ? remaining.slice(0, end) : remaining;
      remaining = end >= 0 ? remaining.slice(end + 1) : [];
      if (remaining[0] === "--") throw new UsageError("only one set of app arguments allowed per image", false);
    }
    apps.push(appRequest(image, new Flags(appValues, appFlags), args));
    i = rest.length - remaining.length;
  }
  for (const notice of deprecationNotices(podValues, specs)) ctx.out.stderr(notice);
  const flags = ctx.flags.with(podValues);
  return { apps, flags, global: globalOptions(flags) };
}

/** --pull-policy, or its deprecated spellings --store-only (never) and --no-store (update). */
export function pullPolicy(flags: Flags): PullPolicy {
  const storeOnly = flags.bool("store-only");
  const noStore = flags.bool("no-store");
  if (storeOnly && noStore) throw new UsageError("both --store-only and --no-store specified", false);
  if (storeOnly) return "never";
  if (noStore) return "update";
  return parsePullPolicy(flags.string("pull-policy"));
}

function parsePullPolicy(value: string): PullPolicy {
  if (value !== "new" && value !== "update" && value !== "never") {
    throw new UsageError(`--pull-policy must be new, update or never, not ${JSON.stringify(value)}`, false);
  }
  return value;
}

/** rkt's --stage1-* flags: one at most, with rkt's messages (the later flag named first). */
export function stage1Selection(flags: Flags): Stage1Selection {
  const given = flags.names().filter((n) => STAGE1_FLAGS.some((f) => f.name === n));
  if (given.length > 1) throw new UsageError(`flags --${given[1]} and --${given[0]} are mutually exclusive`, false);
  if (given[0] && flags.list(given[0]).length > 1) throw new UsageError(`--${given[0]} already used`, false);
  const value = (name: string): string | undefined => (flags.has(name) ? flags.string(name) : undefined);
  return {
    name: value("stage1-name"),
    path: value("stage1-path"),
    url: value("stage1-url"),
    hash: value("stage1-hash"),
    fromDir: value("stage1-from-dir"),
  };
}

function envOptions(flags: Flags): EnvOptions {
  const setEnv = keyValues(flags, "set-env");
  const seen = new Set<string>();
  for (const [k] of setEnv) {
    if (seen.has(k)) throw new UsageError(`--set-env: ${k} is given twice`, false);
    seen.add(k);
  }
  const setEnvFiles: [string, string][] = [];
  for (const file of flags.list("set-env-file")) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new UsageError(`--set-env-file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, false);
    }
    for (const { name, value } of parseEnvFile(text, file)) setEnvFiles.push([name, value]);
  }
  return { setEnv, setEnvFiles, inherited: flags.bool("inherit-env") ? { ...process.env } : undefined };
}

/** rkt's check: a pod manifest replaces the images and every flag that would shape the pod. */
function checkPodManifestConflicts(line: PodCommandLine): void {
  const { flags } = line;
  const policy = pullPolicy(flags);
  const conflicts =
    line.apps.length > 0 ||
    ["volume", "mount", "port", "set-env", "set-env-file"].some((f) => flags.list(f).length > 0) ||
    flags.bool("inherit-env") ||
    policy !== "new";
  if (conflicts) throw new UsageError("conflicting flags set with --pod-manifest (see --help)", false);
}

/** Everything `rkt prepare` (and the preparing half of `rkt run`) needs. */
export function prepareRequest(line: PodCommandLine, runtime: PreparePodRequest["requirements"]): PreparePodRequest {
  const { flags, apps } = line;
  const common = {
    noOverlay: flags.bool("no-overlay"),
    stage1: stage1Selection(flags),
    uuidFileSave: flags.has("uuid-file-save") ? flags.string("uuid-file-save") : undefined,
    requirements: runtime,
  };
  if (flags.has("pod-manifest")) {
    checkPodManifestConflicts(line);
    const podManifest = flags.string("pod-manifest");
    if (podManifest === "") throw new UsageError("--pod-manifest needs the path of a pod manifest", false);
    return { ...common, podManifest, apps: [], volumes: [], globalMounts: [], env: { setEnv: [], setEnvFiles: [] }, userAnnotations: [], userLabels: [], pullPolicy: "new" };
  }
  for (const f of APP_FLAGS) {
    if (f.name !== "mount" && flags.has(f.name)) throw new UsageError(`--${f.name} must follow an image`, false);
  }
  if (apps.length === 0) throw new UsageError("at least one image (or --pod-manifest) is required", true);
  return {
    ...common,
    apps,
    volumes: flags.list("volume").map(volumeFromFlag),
    globalMounts: flags.list("mount").map(parseMount),
    env: envOptions(flags),
    userAnnotations: [],
    userLabels: [],
    pullPolicy: pullPolicy(flags),
    ports: flags.list("port").map(parsePort),
  };
}
