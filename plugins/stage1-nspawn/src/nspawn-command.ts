// The systemd-nspawn command line of a pod: where nspawn is, the pod's hostname, the
// capabilities its apps need, the console, the network, and the environment nspawn reads.
import type { PodContext, RuntimeOptions } from "@rkt/stage1-api";
import { systemdAccepts, type AppIsolation } from "@rkt/stage1-kit";
import { findProgram } from "./host-programs.js";
import { IN_POD } from "./layout.js";
import { inNetns } from "./network.js";

const NSPAWN_CANDIDATES = ["/usr/bin/systemd-nspawn", "/bin/systemd-nspawn", "/usr/local/bin/systemd-nspawn"];

export function findNspawn(): string {
  return findProgram("systemd-nspawn", NSPAWN_CANDIDATES, "systemd-nspawn is not installed: install Debian's systemd-container package (apt-get install systemd-container)");
}

/** Union of the apps' capability bounding sets: nspawn must let the pod have them. */
export function capabilityArgs(isolations: AppIsolation[]): string[] {
  if (isolations.some((i) => i.capabilities === "all")) return ["--capability=all"];
  const caps = new Set(isolations.flatMap((i) => i.capabilities as readonly string[]));
  return caps.size > 0 ? [`--capability=${[...caps].sort().join(",")}`] : [];
}

export interface NspawnInput {
  pod: PodContext;
  options: RuntimeOptions;
  hostname: string;
  /** The pod's network namespace (stage0's), or undefined for the host's network. */
  netns?: string;
  isolations: AppIsolation[];
  /** A terminal on stdin and stdout with --interactive: nspawn's console relays it. */
  tty: boolean;
  /** The apps' cgroups are in the unified hierarchy (CgroupPlan.unifiedApps). */
  unifiedCgroups: boolean;
}

export function nspawnCommand(input: NspawnInput): { path: string; argv: string[]; env: Record<string, string> } {
  const { pod, options } = input;
  const env: Record<string, string> = {
    // nspawn without a cgroup namespace fails on hybrid hosts with unmounted v1 controllers
    // ("Failed to read link /sys/fs/cgroup/perf_event"): only when cgroup2 holds app limits.
    ...(input.unifiedCgroups ? { SYSTEMD_NSPAWN_USE_CGNS: "0" } : {}),
    ...(options.debug ? {} : { SYSTEMD_LOG_LEVEL: "err" }),
    ...(options.insecure.paths ? { SYSTEMD_NSPAWN_API_VFS_WRITABLE: "1" } : {}),
    ...(options.ipc === "parent" ? { SYSTEMD_NSPAWN_SHARE_NS_IPC: "1" } : {}),
    ...(input.tty && process.env.TERM ? { TERM: process.env.TERM } : {}),
  };
  const argv = [
    "systemd-nspawn",
    `--directory=${pod.stage1Root}`,
    "--register=no",
    "--keep-unit",
    ...(options.debug ? [] : ["--quiet"]),
    // Nothing of the host's in the stage1 root's /etc: apps get their own files.
    "--link-journal=no",
    "--resolv-conf=off",
    "--timezone=off",
    `--machine=rkt-${pod.uuid}`,
    `--uuid=${pod.uuid.replace(/-/g, "")}`,
    // systemd refuses an underscore (rkt's older nspawn took it): the kernel's name is then
    // the machine's; the apps' /etc/hostname still says the name asked for.
    ...(systemdAccepts(input.hostname) ? [`--hostname=${input.hostname}`] : []),
    // pipe: the apps write straight to rkt's stdout and stderr, byte for byte.
    `--console=${input.tty ? "interactive" : "pipe"}`,
    // SIGTERM or SIGINT to rkt (nspawn) asks the init for an orderly stop.
    "--kill-signal=SIGTERM",
    ...capabilityArgs(input.isolations),
    "--",
    IN_POD.init,
    "init",
    IN_POD.podSpec,
  ];
  return { ...inNetns(input.netns, { path: findNspawn(), argv }), env };
}
