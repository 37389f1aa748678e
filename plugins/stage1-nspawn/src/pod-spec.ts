// The two pod-level specs of an nspawn pod:
//
// - the host side (rkt-isolation pod): the pod's process joins the pod's cgroups, makes a
//   private mount namespace, mounts every app's root (overlay), binds the volumes and the
//   /etc files into the apps' roots (targets resolved inside each root), binds the helper as
//   the stage1's /init and the apps' cgroups into the stage1 root, writes ppid and execs
//   systemd-nspawn with the pod lock fd still open;
// - the init's (rkt-isolation init, PID 1 in the container): the apps in order and the stop
//   timeout.
import { SpecBuilder } from "@rkt/isolation";
import type { PodContext } from "@rkt/stage1-api";
import { podLayout } from "@rkt/stage1-api";
import type { ResolvedApp } from "@rkt/stage1-kit";
import { join } from "node:path";
import type { CgroupPlan } from "./cgroups.js";
import type { EtcBind } from "./etc-files.js";
import { appSpecPath, IN_POD } from "./layout.js";

export interface HostSpecInput {
  pod: PodContext;
  apps: { app: ResolvedApp; etc: EtcBind[] }[];
  cgroups: CgroupPlan;
  lockFd: number;
  /** The isolation helper, bound as /init. */
  helper: string;
  /** systemd-nspawn's path, argv (argv[0] first) and exact environment. */
  exec: { path: string; argv: string[]; env: Record<string, string> };
}

export function hostSpec(input: HostSpecInput): SpecBuilder {
  const { pod } = input;
  const spec = new SpecBuilder();
  for (const dir of input.cgroups.join) spec.directive("cgroup", dir);
  spec.directive("mount-ns");
  // nspawn keeps its bookkeeping under /run/systemd/nspawn; on a tmpfs of our own it also
  // stops warning that it cannot clean up its propagation directory on a disk filesystem.
  spec.directive("tmpfs", "/run/systemd/nspawn", "mode=0755");
  for (const { app } of input.apps) {
    const rootfs = app.context.rootfs;
    if (rootfs.kind === "overlay") spec.directive("overlay", app.context.rootfsPath, rootfs.upper, rootfs.work, ...rootfs.lower);
  }
  spec.directive("within", pod.stage1Root);
  spec.directive("bind", input.helper, IN_POD.init, "ro");
  for (const b of input.cgroups.binds) spec.directive("bind", b.source, b.inPod, "rw");
  for (const { app, etc } of input.apps) {
    spec.directive("within", app.context.rootfsPath);
    for (const m of app.mounts) {
      spec.directive("bind", m.source, m.target, [m.recursive ? "rec" : "norec", ...(m.readOnly ? ["ro"] : [])].join(","));
    }
    for (const b of etc) spec.directive("bind", b.source, b.target, "ro");
  }
  spec.directive("within", "-");
  spec.directive("lock-fd", input.lockFd);
  spec.directive("ppid-file", join(pod.dir, podLayout.ppid));
  for (const [k, v] of Object.entries(input.exec.env)) spec.directive("env", `${k}=${v}`);
  spec.directive("exec", input.exec.path, ...input.exec.argv);
  return spec;
}

export function initSpec(apps: string[], stopTimeoutSeconds: number): SpecBuilder {
  const spec = new SpecBuilder();
  spec.directive("stop-timeout", String(stopTimeoutSeconds));
  spec.directive("ready-file", IN_POD.ready);
  for (const app of apps) spec.directive("app", app, appSpecPath(app));
  return spec;
}
