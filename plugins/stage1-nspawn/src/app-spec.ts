// The spec of one app for the pod's init (rkt-isolation init): the API filesystems of the
// container bound into the app's root with rkt's masked and read-only paths, then the app's
// process: cgroups, OOM score, capabilities, no_new_privs, seccomp, credentials, directory,
// environment, event handlers and command.
import { SpecBuilder } from "@rkt/isolation";
import { Stage1Error } from "@rkt/stage1-api";
import type { AppIsolation, ResolvedApp } from "@rkt/stage1-kit";
import { appRootInPod, IN_POD } from "./layout.js";

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
 * rkt's read-only paths that systemd-nspawn leaves writable. The others of rkt's list
 * (/proc/bus, /proc/sys/kernel/core_pattern, /proc/sys/kernel/modprobe, /proc/sys/vm/panic_on_oom
 * and /sys/{block,bus,class,dev,devices,kernel}) are read-only already: nspawn mounts /proc/sys,
 * /proc/bus and the whole of /sys read-only, and the apps' binds keep that.
 */
export const READONLY_PATHS: readonly string[] = ["/proc/sysrq-trigger"];

export interface AppSpecInput {
  app: ResolvedApp;
  isolation: AppIsolation;
  /** The file (in the pod) listing the app's seccomp syscalls, when it has a filter. */
  seccompFile?: string;
  /** Cgroup directories (in the pod) the app joins. */
  cgroups: string[];
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
  spec.directive("root", appRootInPod(app.name));

  // The container's API filesystems, as systemd-nspawn set them up.
  spec.directive("bind", "/dev", "/dev", "rec");
  spec.directive("bind", "/proc", "/proc", "rec");
  // As rkt: an app with its own mounts on /sys does not get the pod's. Recursively: with a
  // network namespace of its own, nspawn's /sys is a tmpfs with sysfs's directories bound in.
  if (!mountsAtOrBelow(app, "/sys")) spec.directive("bind", "/sys", "/sys", "rec");
  if (!input.insecurePaths) {
    for (const p of MASKED_PATHS) {
      if (p.startsWith("/sys/") && mountsAtOrBelow(app, "/sys")) continue;
      spec.directive("mask", p, IN_POD.inaccessibleDir, IN_POD.inaccessibleFile);
    }
    for (const p of READONLY_PATHS) spec.directive("readonly", p);
  }
  if (!mountsAtOrBelow(app, "/etc/hostname")) spec.directive("bind", "/proc/sys/kernel/hostname", "/etc/hostname", "ro");
  if (app.readOnlyRootfs) spec.directive("readonly-root");

  for (const cg of input.cgroups) spec.directive("cgroup", cg);
  if (iso.oomScoreAdj !== undefined) spec.directive("oom-score-adj", iso.oomScoreAdj);
  if (iso.capabilities !== "all") spec.directive("caps", iso.capabilities.length > 0 ? iso.capabilities.join(",") : "-");
  if (iso.noNewPrivileges) spec.directive("no-new-privs");
  if (iso.seccomp) {
    if (!input.seccompFile) throw new Error(`app ${app.name}: internal: no seccomp file for its filter`);
    spec.directive("seccomp-file", iso.seccomp.mode, iso.seccomp.errno ?? "kill", input.seccompFile);
  }

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
