// The two pod-level specs of an nspawn pod:
//
// - the host side (rkt-isolation pod): the pod's process attaches the device policy to its
//   cgroup2 cgroup, joins the pod's cgroups, makes a
//   private mount namespace, mounts every app's root (overlay), binds the volumes and the
//   /etc files into the apps' roots (targets resolved inside each root), binds the helper as
//   the stage1's /init and the apps' cgroups into the stage1 root, writes ppid and execs
//   systemd-nspawn with the pod lock fd still open;
// - the init's (rkt-isolation init, PID 1 in the container) is the kit's podInitSpec.
import { SpecBuilder } from "@rkt/isolation";
import type { PodContext } from "@rkt/stage1-api";
import { podLayout } from "@rkt/stage1-api";
import { appRootBinds, appRootOverlay, type HostSideApp } from "@rkt/stage1-kit";
import { join } from "node:path";
import type { CgroupPlan } from "./cgroups.js";
import { IN_POD } from "./layout.js";

export interface HostSpecInput {
  pod: PodContext;
  apps: HostSideApp[];
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
  if (input.cgroups.devices) spec.directive("devices", input.cgroups.devices.dir, ...input.cgroups.devices.rules);
  for (const dir of input.cgroups.join) spec.directive("cgroup", dir);
  spec.directive("mount-ns");
  // nspawn keeps its bookkeeping under /run/systemd/nspawn; on a tmpfs of our own it also
  // stops warning that it cannot clean up its propagation directory on a disk filesystem.
  spec.directive("tmpfs", "/run/systemd/nspawn", "mode=0755");
  for (const { app } of input.apps) appRootOverlay(spec, app.context);
  spec.directive("within", pod.stage1Root);
  spec.directive("bind", input.helper, IN_POD.init, "ro");
  for (const b of input.cgroups.binds) spec.directive("bind", b.source, b.inPod, "rw");
  appRootBinds(spec, input.apps);
  spec.directive("lock-fd", input.lockFd);
  spec.directive("ppid-file", join(pod.dir, podLayout.ppid));
  for (const [k, v] of Object.entries(input.exec.env)) spec.directive("env", `${k}=${v}`);
  spec.directive("exec", input.exec.path, ...input.exec.argv);
  return spec;
}
