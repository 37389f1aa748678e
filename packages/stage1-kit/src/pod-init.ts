// What the flavors whose apps run under the shared pod init (nspawn, kvm) have in common before
// any file is written: the capabilities the init gives them, rkt's rule for --interactive, and
// each app resolved with its isolators turned into what the init enforces.
import type { AppContext, PodContext, RuntimeOptions } from "@rkt/stage1-api";
import { Capability, Stage1Error } from "@rkt/stage1-api";
import { resolveApp, type ResolveOptions, type ResolvedApp } from "./app.js";
import { appIsolation, IsolatorError, type AppIsolation } from "./isolators.js";

/**
 * What a pod gets from the pod init and the kit's isolators and volumes, however its flavor
 * starts the init: several apps, their exit codes, seccomp filters and capability bounding
 * sets, kind=empty volumes, the pod's stdin and terminal for its app with --interactive, and
 * AC_METADATA_URL for the apps of a pod registered with the metadata service.
 * A flavor adds what it does itself (enter, stop, hostname, resource limits, IPC, network).
 */
export const POD_INIT_CAPABILITIES: readonly Capability[] = [
  Capability.MultiApp,
  Capability.ExitStatus,
  Capability.Seccomp,
  Capability.LinuxCapabilities,
  Capability.Interactive,
  Capability.EmptyVolumes,
  Capability.MetadataService,
];

/** rkt's rule: with --interactive the app takes the pod's stdin (and terminal), so there is one app. */
export function checkInteractive(pod: PodContext, interactive: boolean): void {
  if (interactive && pod.apps.length !== 1) throw new Stage1Error("interactive option only supports pods with one app");
}

export interface IsolatedApp {
  app: ResolvedApp;
  isolation: AppIsolation;
}

export interface IsolatedAppOptions extends ResolveOptions {
  /** --insecure-options: capabilities and seccomp lift those isolators. */
  insecure: Pick<RuntimeOptions["insecure"], "capabilities" | "seccomp">;
}

/** Resolves an app and its isolators; an invalid isolator is the user's error (Stage1Error). */
export function resolveIsolatedApp(pod: PodContext, ctx: AppContext, opts: IsolatedAppOptions): IsolatedApp {
  const app = resolveApp(pod, ctx, { recursiveByDefault: opts.recursiveByDefault, metadataUrl: opts.metadataUrl });
  try {
    const isolation = appIsolation(app.name, app.app.isolators, {
      uid: app.uid,
      insecureCapabilities: opts.insecure.capabilities,
      insecureSeccomp: opts.insecure.seccomp,
    });
    return { app, isolation };
  } catch (err) {
    if (err instanceof IsolatorError) throw new Stage1Error(err.message);
    throw err;
  }
}
