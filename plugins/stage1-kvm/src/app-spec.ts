// The spec of one app for the pod init inside the VM (rkt-isolation init, the same code as
// the nspawn flavor's PID 1): the guest's API filesystems bound into the app's root with
// rkt's masked and read-only paths, then the app's process: OOM score, capabilities,
// no_new_privs, seccomp, credentials, directory, environment, event handlers and command.
// The VM is the isolation boundary; inside it the apps get the same restrictions as in an
// nspawn pod.
import { SpecBuilder } from "@rkt/isolation";
import { Stage1Error } from "@rkt/stage1-api";
import type { AppIsolation, ResolvedApp } from "@rkt/stage1-kit";
import { appRootInGuest, IN_GUEST } from "./layout.js";

/** rkt's masked paths: stat shows them as empty nodes of mode 0000. */
export const MASKED_PATHS: readonly string[] = [
  "/proc/config.gz",
  "/proc/kallsyms",
  "/proc/sched_debug",
  "/proc/kcore",
  "/proc/kmem",
  "/proc/mem",
  "/sys/firmware",
  "/sys/fs",
  "/sys/hypervisor",
  "/sys/module",
  "/sys/power",
];

/**
 * rkt's read-only paths. The guest init mounts the stage1's /sys read-only already (which
 * covers /sys/{block,bus,class,dev,devices,kernel}); /proc/sys (core_pattern, modprobe,
 * panic_on_oom among it), /proc/bus and /proc/sysrq-trigger are made read-only here, as
 * systemd-nspawn does for the nspawn flavor.
 */
export const READONLY_PATHS: readonly string[] = ["/proc/bus", "/proc/sys", "/proc/sysrq-trigger"];

export interface AppSpecInput {
  app: ResolvedApp;
  isolation: AppIsolation;
  /** --interactive: stdin (and the terminal) pass through. */
  interactive: boolean;
  /** --insecure-options=paths: no masked or read-only paths. */
  insecurePaths: boolean;
}

function mountsAtOrBelow(app: ResolvedApp, dir: string): boolean {
  return app.mounts.some((m) => {
    const t = "/" + m.target.split("/").filter((c) => c && c !== ".").join("/");
    return t === dir || t.startsWith(`${dir}/`);
  });
}

export function appSpec(input: AppSpecInput): SpecBuilder {
  const { app, isolation: iso } = input;
  const spec = new SpecBuilder();
  spec.directive("root", appRootInGuest(app.name));

  spec.directive("bind", "/dev", "/dev", "rec");
  spec.directive("bind", "/proc", "/proc", "rec");
  // As rkt: an app with its own mounts on /sys does not get the pod's.
  if (!mountsAtOrBelow(app, "/sys")) spec.directive("bind", "/sys", "/sys", "rec");
  if (!input.insecurePaths) {
    for (const p of MASKED_PATHS) {
      if (p.startsWith("/sys/") && mountsAtOrBelow(app, "/sys")) continue;
      spec.directive("mask", p, IN_GUEST.inaccessibleDir, IN_GUEST.inaccessibleFile);
    }
    for (const p of READONLY_PATHS) spec.directive("readonly", p);
  }
  if (!mountsAtOrBelow(app, "/etc/hostname")) spec.directive("bind", "/proc/sys/kernel/hostname", "/etc/hostname", "ro");
  if (app.readOnlyRootfs) spec.directive("readonly-root");

  if (iso.oomScoreAdj !== undefined) spec.directive("oom-score-adj", iso.oomScoreAdj);
  if (iso.capabilities !== "all") spec.directive("caps", iso.capabilities.length > 0 ? iso.capabilities.join(",") : "-");
  if (iso.noNewPrivileges) spec.directive("no-new-privs");
  if (iso.seccomp) spec.directive("seccomp", iso.seccomp.mode, iso.seccomp.errno ?? "kill", ...iso.seccomp.syscalls);

  spec.directive("uid", app.uid);
  spec.directive("gid", app.gid);
  spec.directive("groups", app.supplementaryGids.length > 0 ? app.supplementaryGids.join(",") : "-");
  spec.directive("cwd", app.workingDirectory);
  for (const [k, v] of app.env) spec.directive("env", `${k}=${v}`);
  if (input.interactive) spec.directive("tty");
  else spec.directive("stdin", "null");
  const handlers = new Set<string>();
  for (const h of app.app.eventHandlers ?? []) {
    if (h.name !== "pre-start" && h.name !== "post-stop") {
      throw new Stage1Error(`app ${app.name}: unknown event handler ${JSON.stringify(h.name)} (pre-start or post-stop)`);
    }
    if (handlers.has(h.name)) throw new Stage1Error(`app ${app.name}: more than one ${h.name} event handler`);
    handlers.add(h.name);
    if (!h.exec || h.exec.length === 0) throw new Stage1Error(`app ${app.name}: the ${h.name} event handler has an empty exec`);
    spec.directive(h.name, h.exec[0]!, ...h.exec);
  }
  spec.directive("exec", app.exec[0]!, ...app.exec);
  spec.directive("status-file", `/rkt/status/${app.name}`);
  return spec;
}
