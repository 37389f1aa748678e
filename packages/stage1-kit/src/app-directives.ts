// Spec directives that describe one app, the same in every flavor's specs: its root (an overlay
// over its image, or the copy stage0 made), how its volumes are bound, its credentials. And, for
// the flavors that set up their apps' roots on the host side of the pod (nspawn, kvm), the binds
// of every app's volumes and /etc files into its root.
import type { AppContext } from "@rkt/stage1-api";
import type { ResolvedApp } from "./app.js";
import type { EtcBind } from "./etc-files.js";
import { mountedOver, type AppMount } from "./mounts.js";
import type { SpecSink } from "./spec-sink.js";

/** The overlay that makes the app's root from its image (none for a root stage0 copied). */
export function appRootOverlay(spec: SpecSink, ctx: AppContext): void {
  if (ctx.rootfs.kind === "overlay") spec.directive("overlay", ctx.rootfsPath, ctx.rootfs.upper, ctx.rootfs.work, ...ctx.rootfs.lower);
}

/** A volume's bind options: recursive or not (rkt's default is the flavor's: AppMount.recursive), read-only. */
export function bindOptions(m: AppMount): string {
  return [m.recursive ? "rec" : "norec", ...(m.readOnly ? ["ro"] : [])].join(",");
}

/** The app's uid, gid and supplementary groups. */
export function appCredentials(spec: SpecSink, app: ResolvedApp): void {
  spec.directive("uid", app.uid);
  spec.directive("gid", app.gid);
  spec.directive("groups", app.supplementaryGids.length > 0 ? app.supplementaryGids.join(",") : "-");
}

/** An app as the host side of its pod mounts it: its volumes and its /etc files. */
export interface HostSideApp {
  app: ResolvedApp;
  etc: EtcBind[];
}

/**
 * Binds each app's volumes and /etc files into its root: `within` resolves the targets inside
 * that root, so an image's symlinks cannot send them elsewhere. Ends back at the spec's own root.
 */
export function appRootBinds(spec: SpecSink, apps: readonly HostSideApp[]): void {
  for (const { app, etc } of apps) {
    spec.directive("within", app.context.rootfsPath);
    for (const m of app.mounts) spec.directive("bind", m.source, m.target, bindOptions(m));
    for (const b of etc) if (!mountedOver(app.mounts, b.target)) spec.directive("bind", b.source, b.target, "ro");
  }
  spec.directive("within", "-");
}
