// The specs of the pod init (rkt-isolation init, packages/isolation/native/init.c): PID 1 of an
// nspawn pod, and the same program under the guest init in a kvm pod's VM. The pod spec lists
// the apps in order; each app's spec binds the pod's API filesystems into the app's root with
// rkt's masked and read-only paths, then describes its process: cgroups, OOM score,
// capabilities, no_new_privs, seccomp, credentials, directory, environment, event handlers and
// command. What differs between the flavors comes in as parameters: the read-only paths the
// flavor's pod does not make read-only already, the app's cgroups, where its seccomp list is.
import { Stage1Error } from "@rkt/stage1-api";
import { appCredentials } from "./app-directives.js";
import type { ResolvedApp } from "./app.js";
import type { AppIsolation } from "./isolators.js";
import { mountedOver } from "./mounts.js";
import type { SpecSink } from "./spec-sink.js";
import { appRootInStage1, appSpecPath, appStatusInStage1, IN_STAGE1 } from "./stage1-root.js";

/**
 * The masked paths: rkt's, and those runc masks by default (what the host's kernel would
 * tell an app about other tenants or the hardware: keyrings, timers, sound, SCSI and ACPI
 * devices, RAPL energy counters). stat shows them as empty nodes of mode 0000.
 */
export const MASKED_PATHS: readonly string[] = [
  "/proc/acpi",
  "/proc/asound",
  "/proc/config.gz",
  "/proc/kallsyms",
  "/proc/kcore",
  "/proc/keys",
  "/proc/kmem",
  "/proc/latency_stats",
  "/proc/mem",
  "/proc/sched_debug",
  "/proc/scsi",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/sys/devices/virtual/powercap",
  "/sys/firmware",
  "/sys/fs",
  "/sys/hypervisor",
  "/sys/module",
  "/sys/power",
];

export interface AppInitSpecInput {
  app: ResolvedApp;
  isolation: AppIsolation;
  /** rkt's read-only paths that the flavor's pod leaves writable (made read-only in the app). */
  readonlyPaths: readonly string[];
  /** Cgroup directories (in the pod) the app joins. */
  cgroups: readonly string[];
  /**
   * The file (in the pod) listing the app's seccomp syscalls, which the init compiles once for
   * every app that names it. Without one, the syscalls are written into the app's spec.
   */
  seccompFile?: string;
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

/** One app's spec for the pod init. */
export function appInitSpec<S extends SpecSink>(spec: S, input: AppInitSpecInput): S {
  const { app, isolation: iso } = input;
  spec.directive("root", appRootInStage1(app.name));

  // The pod's API filesystems, as systemd-nspawn or the guest init mounted them in the stage1 root.
  spec.directive("bind", "/dev", "/dev", "rec");
  spec.directive("bind", "/proc", "/proc", "rec");
  // As rkt: an app with its own mounts on /sys does not get the pod's. Recursively: with a
  // network namespace of its own, nspawn's /sys is a tmpfs with sysfs's directories bound in.
  if (!mountsAtOrBelow(app, "/sys")) spec.directive("bind", "/sys", "/sys", "rec");
  if (!input.insecurePaths) {
    for (const p of MASKED_PATHS) {
      if (p.startsWith("/sys/") && mountsAtOrBelow(app, "/sys")) continue;
      spec.directive("mask", p, IN_STAGE1.inaccessibleDir, IN_STAGE1.inaccessibleFile);
    }
    for (const p of input.readonlyPaths) spec.directive("readonly", p);
  }
  // The pod's hostname as --hostname gave it (writeHostnameFile), unless a volume is there.
  if (!mountedOver(app.mounts, "/etc/hostname")) spec.directive("bind", IN_STAGE1.hostname, "/etc/hostname", "ro");
  if (app.readOnlyRootfs) spec.directive("readonly-root");

  for (const cg of input.cgroups) spec.directive("cgroup", cg);
  if (iso.oomScoreAdj !== undefined) spec.directive("oom-score-adj", iso.oomScoreAdj);
  if (iso.capabilities !== "all") spec.directive("caps", iso.capabilities.length > 0 ? iso.capabilities.join(",") : "-");
  if (iso.noNewPrivileges) spec.directive("no-new-privs");
  if (iso.seccomp) {
    const { mode, errno, syscalls } = iso.seccomp;
    if (input.seccompFile) spec.directive("seccomp-file", mode, errno ?? "kill", input.seccompFile);
    else spec.directive("seccomp", mode, errno ?? "kill", ...syscalls);
  }

  appCredentials(spec, app);
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
  spec.directive("status-file", appStatusInStage1(app.name));
  return spec;
}

export interface PodInitOptions {
  stopTimeoutSeconds: number;
  /** Where the init listens for the host's requests (nspawn); kvm's init inherits its channel. */
  controlSocket?: string;
}

/** The init's pod spec: the stop timeout, the ready link, the control socket, the apps in their start order. */
export function podInitSpec<S extends SpecSink>(spec: S, apps: readonly string[], opts: PodInitOptions): S {
  spec.directive("stop-timeout", String(opts.stopTimeoutSeconds));
  spec.directive("ready-file", IN_STAGE1.ready);
  if (opts.controlSocket) spec.directive("control-socket", opts.controlSocket);
  for (const app of apps) spec.directive("app", app, appSpecPath(app));
  return spec;
}
