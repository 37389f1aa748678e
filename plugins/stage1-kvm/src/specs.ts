// The spec files of a kvm pod, from the host inwards:
//
//   <pod>/kvm/vm.spec        rkt-isolation vm (the pod's process): its files, timeouts, stdio
//   <pod>/kvm/host.spec      its host side, in the language of rkt-isolation pod: a private
//                            mount namespace, the apps' roots (overlays) and volumes mounted
//                            under the stage1 root that QEMU shares, the lock, QEMU's argv
//   /rkt/kvm/guest.spec      the guest's init (vm-guest): hostname, network, stdio
//   /rkt/pod.spec            the pod init (init.c): the kit's podInitSpec, as in nspawn pods
//   /rkt/apps/<app>.spec     one per app (app-spec.ts)
import { SpecBuilder } from "@rkt/isolation";
import type { PodContext } from "@rkt/stage1-api";
import { podLayout } from "@rkt/stage1-api";
import { appRootBinds, appRootOverlay, type HostSideApp } from "@rkt/stage1-kit";
import { join } from "node:path";
import { HOST_FILES, IN_GUEST } from "./layout.js";
import type { VmNetwork } from "./network.js";

export type PodStdio = { kind: "null" } | { kind: "pipe" } | { kind: "tty"; rows: number; cols: number };

export interface HostSpecInput {
  pod: PodContext;
  apps: HostSideApp[];
  lockFd: number;
  qemu: { path: string; argv: string[] };
}

export function hostSpec(input: HostSpecInput): SpecBuilder {
  const { pod } = input;
  const spec = new SpecBuilder();
  spec.directive("mount-ns");
  for (const { app } of input.apps) appRootOverlay(spec, app.context);
  appRootBinds(spec, input.apps);
  spec.directive("lock-fd", input.lockFd);
  spec.directive("cwd", pod.dir);
  // QEMU needs no environment of the caller's (its modules directory is compiled in).
  spec.directive("env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  spec.directive("exec", input.qemu.path, ...input.qemu.argv);
  return spec;
}

export interface VmSpecInput {
  pod: PodContext;
  bootTimeout: number;
  /** The guest init's stop timeout; the supervisor kills QEMU 5 s after it. */
  stopTimeout: number;
  stdio: PodStdio;
  debug: boolean;
  /** The pod's network namespace, for CNI networks. */
  netnsPath?: string;
}

export function vmSpec(input: VmSpecInput): SpecBuilder {
  const dir = input.pod.dir;
  const spec = new SpecBuilder();
  spec.directive("pod-spec", join(dir, HOST_FILES.podSpec));
  spec.directive("pid-file", join(dir, podLayout.pid));
  spec.directive("qemu-pid-file", join(dir, HOST_FILES.qemuPid));
  spec.directive("control-socket", join(dir, HOST_FILES.controlSocket));
  spec.directive("console-log", join(dir, HOST_FILES.consoleLog));
  spec.directive("timings-file", join(dir, HOST_FILES.timings));
  spec.directive("boot-timeout", String(input.bootTimeout));
  spec.directive("stop-timeout", String(input.stopTimeout));
  spec.directive("stdio", input.stdio.kind);
  if (input.netnsPath) spec.directive("netns", input.netnsPath);
  if (input.debug) spec.directive("debug");
  return spec;
}

export function guestSpec(hostname: string, network: VmNetwork, stdio: PodStdio): SpecBuilder {
  const spec = new SpecBuilder();
  spec.directive("hostname", hostname);
  spec.directive("net", network.kind);
  if (network.kind === "tap") {
    for (const n of network.nics) spec.directive("nic", n.mac, ...n.addresses);
    for (const n of network.nics) for (const r of n.routes) spec.directive("route", n.mac, r.dst, r.gw ?? "-");
  }
  if (stdio.kind === "tty") spec.directive("stdio", "tty", stdio.rows, stdio.cols);
  else spec.directive("stdio", stdio.kind);
  spec.directive("pod-spec", IN_GUEST.podSpec);
  return spec;
}
