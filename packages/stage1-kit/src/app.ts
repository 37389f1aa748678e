// Everything a stage1 needs to start one app, computed from the pod manifest and the app's
// image: the argv, credentials, working directory, environment and mounts.
import type { App, AppContext, PodContext, RuntimeApp } from "@rkt/stage1-api";
import { Stage1Error } from "@rkt/stage1-api";
import { appEnvironment } from "./env.js";
import { appMounts, type AppMount } from "./mounts.js";
import { resolveCredentials } from "./users.js";

export interface ResolvedApp {
  name: string;
  exec: string[];
  uid: number;
  gid: number;
  supplementaryGids: number[];
  workingDirectory: string;
  env: Map<string, string>;
  mounts: AppMount[];
  readOnlyRootfs: boolean;
  app: App;
  runtimeApp: RuntimeApp;
  context: AppContext;
}

export interface ResolveOptions {
  recursiveByDefault: boolean;
  /** AC_METADATA_URL, when the pod is registered with the metadata service. */
  metadataUrl?: string;
}

/** The directory an app's image files can be read from before the app's root is mounted. */
export function imageRoot(ctx: AppContext): string {
  return ctx.rootfs.kind === "overlay" ? ctx.rootfs.lower[0]! : ctx.rootfs.path;
}

export function resolveApp(pod: PodContext, ctx: AppContext, opts: ResolveOptions): ResolvedApp {
  const manifest = pod.manifest;
  if (!manifest) throw new Stage1Error(`pod ${pod.uuid} has no manifest`);
  const ra = manifest.apps.find((a) => a.name === ctx.name);
  if (!ra) throw new Stage1Error(`app ${ctx.name} is not in the manifest of pod ${pod.uuid}`);
  const app = ra.app ?? ctx.imageManifest.app;
  if (!app) throw new Stage1Error(`app ${ctx.name} has no app section (use --exec)`);
  if (!app.exec || app.exec.length === 0) {
    throw new Stage1Error(`image ${JSON.stringify(ctx.imageManifest.name)} has an empty "exec" (try --exec=BINARY)`);
  }
  const root = imageRoot(ctx);
  const fromDocker = (ctx.imageManifest.annotations ?? []).some((a) => a.name === "appc.io/docker/repository");
  let creds;
  try {
    creds = resolveCredentials(root, app.user, app.group, fromDocker);
  } catch (err) {
    throw new Stage1Error(`app ${ctx.name}: ${(err as Error).message}`);
  }
  let mounts;
  try {
    mounts = appMounts(manifest, ra, app, {
      podDir: pod.dir,
      recursiveByDefault: opts.recursiveByDefault,
      ...(fromDocker ? { dockerImageRoot: root } : {}),
    });
  } catch (err) {
    throw new Stage1Error((err as Error).message);
  }
  return {
    name: ctx.name,
    exec: app.exec,
    uid: creds.uid,
    gid: creds.gid,
    supplementaryGids: app.supplementaryGIDs ?? [],
    workingDirectory: app.workingDirectory || "/",
    env: appEnvironment(ctx.name, app.environment, opts.metadataUrl),
    mounts,
    readOnlyRootfs: ra.readOnlyRootFS ?? false,
    app,
    runtimeApp: ra,
    context: ctx,
  };
}
