// The flags of `rkt run` and `rkt prepare`, and rkt's positional grammar:
//   rkt run [pod flags] IMAGE [app flags] [-- ARGS... ---] [IMAGE [app flags] ...]
// App flags apply to the image before them; `--mount` before any image applies to all.
import { checkName, mountFromFlag, parseEnvFile, volumeFromFlag } from "@rkt/appc";
import type { AppRequest, EnvOptions, PreparePodRequest, PullPolicy, Stage1Selection } from "@rkt/stage0";
import { readFileSync } from "node:fs";
import type { CommandContext } from "../command.js";
import { Flags, parseFlags, UsageError, type FlagSpec } from "../flags.js";
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

/** The images and their app flags and arguments, from the words after the pod flags. */
export function parseApps(rest: string[], appFlags: FlagSpec[] = APP_FLAGS): AppRequest[] {
  const apps: AppRequest[] = [];
  let i = 0;
  while (i < rest.length) {
    const image = rest[i++]!;
    if (image === "--" || image === "---") throw new UsageError("an image is required before any app arguments", false);
    const parsed = parseFlags(rest.slice(i), appFlags, { stopAtPositional: true });
    let remaining = parsed.rest;
    let args: string[] = [];
    if (parsed.stoppedAt === "--") {
      const end = remaining.indexOf("---");
      args = end >= 0 ? remaining.slice(0, end) : remaining;
      remaining = end >= 0 ? remaining.slice(end + 1) : [];
      if (remaining[0] === "--") throw new UsageError("only one set of app arguments allowed per image", false);
    }
    apps.push(appRequest(image, new Flags(parsed.values, appFlags), args));
    i = rest.length - remaining.length;
  }
  return apps;
}

export function parsePullPolicy(value: string): PullPolicy {
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

/** Everything `rkt prepare` (and the preparing half of `rkt run`) needs. */
export function prepareRequest(ctx: CommandContext, runtime: PreparePodRequest["requirements"]): PreparePodRequest {
  const { flags } = ctx;
  for (const f of APP_FLAGS) {
    if (f.name !== "mount" && flags.has(f.name)) throw new UsageError(`--${f.name} must follow an image`, false);
  }
  const apps = parseApps(ctx.rest);
  if (apps.length === 0) throw new UsageError("at least one image is required", true);
  return {
    apps,
    volumes: flags.list("volume").map(volumeFromFlag),
    globalMounts: flags.list("mount").map(parseMount),
    env: envOptions(flags),
    userAnnotations: [],
    userLabels: [],
    noOverlay: flags.bool("no-overlay"),
    pullPolicy: parsePullPolicy(flags.string("pull-policy")),
    stage1: stage1Selection(flags),
    uuidFileSave: flags.has("uuid-file-save") ? flags.string("uuid-file-save") : undefined,
    ports: flags.list("port").map(parsePort),
    requirements: runtime,
  };
}
