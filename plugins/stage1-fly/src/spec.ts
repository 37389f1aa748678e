// The isolation helper's spec for fly's one app: a private mount namespace, the app's root
// (overlay or copy), the host's /dev, /proc and /sys, a tmpfs /tmp, the volumes, then the
// app's credentials, directory, environment and command.
import { SpecBuilder } from "@rkt/isolation";
import type { AppContext, PodContext, RuntimeOptions } from "@rkt/stage1-api";
import { appStatusFile, podLayout } from "@rkt/stage1-api";
import { appCredentials, appRootOverlay, bindOptions, hostPath, IN_STAGE1, mountedOver, type ResolvedApp } from "@rkt/stage1-kit";
import { join } from "node:path";

export function mountRoot(spec: SpecBuilder, ctx: AppContext): void {
  spec.directive("root", ctx.rootfsPath);
  appRootOverlay(spec, ctx);
}

export function runSpec(pod: PodContext, app: ResolvedApp, options: RuntimeOptions, lockFd: number): SpecBuilder {
  const spec = new SpecBuilder();
  spec.directive("mount-ns");
  mountRoot(spec, app.context);
  for (const host of ["/dev", "/proc", "/sys"]) spec.directive("bind", host, host, "rec");
  spec.directive("tmpfs", "/tmp", "mode=1777");
  for (const m of app.mounts) spec.directive("bind", m.source, m.target, bindOptions(m));
  // A volume the app has on /etc/hosts or /etc/resolv.conf (or above) wins, as in rkt.
  if (!mountedOver(app.mounts, "/etc/resolv.conf")) {
    if (options.dns.resolv === "host") spec.directive("bind", "/etc/resolv.conf", "/etc/resolv.conf", "ro");
    if (options.dns.resolv === "stage0") spec.directive("bind", hostPath(pod.stage1Root, IN_STAGE1.stage0Resolv), "/etc/resolv.conf", "ro");
  }
  if (!mountedOver(app.mounts, "/etc/hosts")) {
    if (options.dns.hosts === "host") spec.directive("bind", "/etc/hosts", "/etc/hosts", "ro");
    if (options.dns.hosts === "stage0") spec.directive("bind", hostPath(pod.stage1Root, IN_STAGE1.stage0Hosts), "/etc/hosts", "ro");
  }
  spec.directive("lock-fd", lockFd);
  appCredentials(spec, app);
  spec.directive("cwd", app.workingDirectory);
  for (const [k, v] of app.env) spec.directive("env", `${k}=${v}`);
  spec.directive("exec", app.exec[0]!, ...app.exec);
  spec.directive("pid-file", join(pod.dir, podLayout.pid));
  spec.directive("pgid-file", join(pod.dir, podLayout.pgid));
  spec.directive("status-file", appStatusFile(pod.stage1Root, app.name));
  return spec;
}

export function enterSpec(app: ResolvedApp, pid: number, env: Map<string, string>, command: string[]): SpecBuilder {
  const spec = new SpecBuilder();
  spec.directive("join-mount-ns", pid);
  spec.directive("root", app.context.rootfsPath);
  appCredentials(spec, app);
  spec.directive("cwd", app.workingDirectory);
  for (const [k, v] of env) spec.directive("env", `${k}=${v}`);
  spec.directive("exec", command[0]!, ...command);
  return spec;
}
