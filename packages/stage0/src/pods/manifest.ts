// Building the pod manifest from the images and the user's per-app and pod-wide options,
// as rkt's stage0 does: the image's app section with the command-line overrides applied.
import type { App, ExposedPort, ImageManifest, Isolator, Mount, NameValue, PodManifest, RuntimeApp, Volume } from "@rkt/stage1-api";
import { appNameFromImageName, checkName, isValidEnvName, ManifestError, validatePodManifest } from "@rkt/appc";
import { posix } from "node:path";
import { RktError } from "../errors.js";
import { RKT_COMPAT_VERSION } from "../version.js";

export interface AppRequest {
  /** The image argument as the user gave it. */
  image: string;
  signature?: string;
  name?: string;
  exec?: string;
  /** Arguments after `--`, appended to the exec. */
  args: string[];
  workingDir?: string;
  user?: string;
  group?: string;
  supplementaryGids?: number[];
  readonlyRootfs?: boolean;
  /** --environment, per app. */
  environment: [string, string][];
  annotations: [string, string][];
  userAnnotations: [string, string][];
  userLabels: [string, string][];
  mounts: { volume: string; target: string }[];
  /** Isolators from --memory, --cpu, --caps-*, --seccomp...: they replace the image's of the same name. */
  isolators: Isolator[];
}

export interface EnvOptions {
  /** --set-env, for every app. */
  setEnv: [string, string][];
  /** Contents of --set-env-file files, in order. */
  setEnvFiles: [string, string][];
  /** --inherit-env: rkt's own environment. */
  inherited?: Record<string, string | undefined>;
}

export interface ResolvedAppImage {
  request: AppRequest;
  key: string;
  manifest: ImageManifest;
}

export interface ManifestOptions {
  apps: ResolvedAppImage[];
  volumes: Volume[];
  /** --mount given before any image: applies to every app (per-app ones win on the same target). */
  globalMounts: { volume: string; target: string }[];
  env: EnvOptions;
  userAnnotations: [string, string][];
  userLabels: [string, string][];
  /** --port. */
  ports?: ExposedPort[];
}

/**
 * Environment precedence, lowest first (rkt's documented order; rkt's code differed and no
 * test pinned it): inherited < image < --set-env-file < --set-env < --environment.
 */
export function mergeEnvironment(image: NameValue[] | undefined, req: AppRequest, env: EnvOptions): NameValue[] {
  const merged = new Map<string, string>();
  // rkt's own environment may hold names an app's environment cannot (bash's exported
  // functions, BASH_FUNC_f%%): those are not passed on.
  for (const [k, v] of Object.entries(env.inherited ?? {})) if (v !== undefined && isValidEnvName(k)) merged.set(k, v);
  for (const { name, value } of image ?? []) merged.set(name, value);
  for (const [k, v] of env.setEnvFiles) merged.set(k, v);
  for (const [k, v] of env.setEnv) merged.set(k, v);
  for (const [k, v] of req.environment) merged.set(k, v);
  return [...merged].map(([name, value]) => ({ name, value }));
}

/**
 * The retain and remove sets of capabilities, and of seccomp, exclude each other: as in rkt,
 * --caps-retain or --caps-remove replaces either capability isolator of the image, and
 * --seccomp either seccomp isolator.
 */
function isolatorFamily(name: string): string {
  return name.replace(/^(os\/linux\/(?:capabilities|seccomp))-(?:retain|remove)-set$/, "$1");
}

function mergeIsolators(image: Isolator[] | undefined, overrides: Isolator[]): Isolator[] | undefined {
  if (!image && overrides.length === 0) return undefined;
  const replaced = new Set(overrides.map((i) => isolatorFamily(i.name)));
  return [...(image ?? []).filter((i) => !replaced.has(isolatorFamily(i.name))), ...overrides];
}

function runtimeAppFor(r: ResolvedAppImage, env: EnvOptions, globalMounts: ManifestOptions["globalMounts"]): RuntimeApp {
  const { request: req, manifest } = r;
  // The name becomes appsinfo/<name>, opt/stage2/<name>, rkt/status/<name>...
  const name =
    req.name !== undefined
      ? checkName("app name", req.name, "--name")
      : checkName("app name", appNameFromImageName(manifest.name), `the app name made from image ${manifest.name} (give one with --name)`);
  let app: App | undefined = manifest.app ? structuredClone(manifest.app) : undefined;
  if (!app) {
    if (!req.exec) throw new RktError(`image ${manifest.name} has no app section and --exec argument is not provided`);
    app = { exec: [req.exec], user: "0", group: "0" };
  } else if (req.exec) {
    app.exec = [req.exec];
  }
  if (req.args.length > 0) app.exec = [...(app.exec ?? []), ...req.args];
  if (!app.exec || app.exec.length === 0) {
    throw new RktError(`image ${JSON.stringify(manifest.name)} has an empty "exec" (try --exec=BINARY)`);
  }
  if (req.user !== undefined) app.user = req.user;
  if (req.group !== undefined) app.group = req.group;
  if (req.workingDir !== undefined) app.workingDirectory = req.workingDir;
  if (req.supplementaryGids !== undefined) app.supplementaryGIDs = req.supplementaryGids;
  app.environment = mergeEnvironment(app.environment, req, env);
  const isolators = mergeIsolators(app.isolators, req.isolators);
  if (isolators) app.isolators = isolators;
  if (req.userAnnotations.length > 0) app.userAnnotations = { ...app.userAnnotations, ...Object.fromEntries(req.userAnnotations) };
  if (req.userLabels.length > 0) app.userLabels = { ...app.userLabels, ...Object.fromEntries(req.userLabels) };

  // rkt's MergeMounts: of several mounts on the same (cleaned) path, the app's own win over
  // the global ones, and the first given wins among each.
  const seen = new Set<string>();
  const firstOnEachPath = (list: ManifestOptions["globalMounts"]) =>
    list.filter((m) => {
      const p = posix.resolve("/", m.target);
      if (seen.has(p)) return false;
      seen.add(p);
      return true;
    });
  const perApp = firstOnEachPath(req.mounts);
  const mounts: Mount[] = [...firstOnEachPath(globalMounts), ...perApp].map((m) => ({ volume: m.volume, path: m.target }));
  const annotations = new Map<string, string>();
  for (const [k, v] of req.annotations) if (!annotations.has(k)) annotations.set(k, v);
  const ra: RuntimeApp = {
    name,
    image: { name: manifest.name, id: r.key, ...(manifest.labels ? { labels: manifest.labels } : {}) },
    app,
  };
  if (req.readonlyRootfs !== undefined) ra.readOnlyRootFS = req.readonlyRootfs;
  if (mounts.length > 0) ra.mounts = mounts;
  if (annotations.size > 0) ra.annotations = [...annotations].map(([n, value]) => ({ name: n, value }));
  return ra;
}

export function buildPodManifest(opts: ManifestOptions): PodManifest {
  if (opts.apps.length === 0) throw new RktError("pod must contain at least one application");
  const apps = opts.apps.map((a) => runtimeAppFor(a, opts.env, opts.globalMounts));
  const names = new Set<string>();
  for (const a of apps) {
    if (names.has(a.name)) throw new RktError(`error: multiple apps with name ${a.name}`);
    names.add(a.name);
  }
  const volumeNames = new Set<string>();
  for (const v of opts.volumes) {
    if (volumeNames.has(v.name)) throw new RktError(`duplicate volume name ${JSON.stringify(v.name)}`);
    volumeNames.add(v.name);
  }
  for (const a of apps) {
    for (const m of a.mounts ?? []) {
      if (!volumeNames.has(m.volume)) {
        throw new RktError(`dangling mount point ${JSON.stringify(m.path)}: volume ${JSON.stringify(m.volume)} not found`);
      }
    }
  }
  const manifest: PodManifest = {
    acVersion: RKT_COMPAT_VERSION,
    acKind: "PodManifest",
    apps,
    volumes: opts.volumes,
    isolators: [],
    annotations: [{ name: "coreos.com/rkt/stage1/mutable", value: "false" }],
    ports: opts.ports ?? [],
  };
  if (opts.userAnnotations.length > 0) manifest.userAnnotations = Object.fromEntries(opts.userAnnotations);
  if (opts.userLabels.length > 0) manifest.userLabels = Object.fromEntries(opts.userLabels);
  return checkedPodManifest(manifest);
}

/**
 * The gate every pod manifest passes before any of it is written (`--pod-manifest` will go
 * through it too): appc's validation, which checks each name that becomes a path (app,
 * volume, mount point and port names) against its grammar along with the rest.
 */
export function checkedPodManifest(manifest: PodManifest, file = "the pod manifest"): PodManifest {
  try {
    return validatePodManifest(manifest);
  } catch (err) {
    if (err instanceof ManifestError && err.file === undefined) err.file = file;
    throw err;
  }
}
