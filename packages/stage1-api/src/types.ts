// What stage0 hands a stage1 and what it gets back. See SPEC.md for the prose contract.
import type { ImageManifest, PodManifest } from "./appc-types.js";
import type { Capability } from "./capabilities.js";

/** Where an app's root filesystem comes from; the stage1 mounts it where its apps need it. */
export type RootfsSource =
  /** An overlay over the rendered image (lower dirs first = topmost). */
  | { kind: "overlay"; lower: string[]; upper: string; work: string }
  /** A private copy of the rendered image (--no-overlay, or no overlayfs on the host). */
  | { kind: "copy"; path: string };

export interface AppContext {
  /** The app's name in the pod manifest. */
  name: string;
  /** The manifest of the app's image (after rendering its dependencies). */
  imageManifest: ImageManifest;
  rootfs: RootfsSource;
  /** Where rkt's layout puts the app's root: <pod>/stage1/rootfs/opt/stage2/<app>/rootfs. */
  rootfsPath: string;
}

export interface PodContext {
  uuid: string;
  /** Absolute pod directory; every stage1 operation runs with it as working directory. */
  dir: string;
  /** The pod manifest; absent only for gc of a pod whose manifest was never written. */
  manifest?: PodManifest;
  /** The apps of the pod in manifest order. */
  apps: AppContext[];
  /** <pod>/stage1/rootfs: the stage1's own root, holding rkt/status, rkt/env and opt/stage2. */
  stage1Root: string;
}

export interface NetworkRequest {
  /** `default`, `default-restricted`, `host`, `none`, `all` or a CNI network name. */
  name: string;
  /** CNI_ARGS given as --net=name:K=V;K2=V2. */
  args?: string;
}

/**
 * The pod's network, as stage0 made it before `run` (protocol 1.1): for a stage1 with the
 * `private-network` capability (and without `own-network`), every --net other than host
 * gives a network namespace of the pod's own, with `lo` up and one interface per CNI
 * network (none for --net=none). The namespace lives until gc, whatever happens to the
 * pod's processes; stage0 tears it down after the stage1's gc. A stage1 must not delete it.
 *
 *   --net=host         {host: true}
 *   otherwise          {host: false, netnsPath, interfaces}
 *
 * A container stage1 runs the pod inside netnsPath (nspawn: --network-namespace-path). A VM
 * stage1 runs its hypervisor inside netnsPath and makes its own tap device there, wired to
 * each interface (tc redirect or a bridge), and gives the guest the interface's MAC,
 * addresses and routes (the addresses without their prefix routes, then the routes as
 * listed: that reproduces the namespace's routing exactly, ptp's included). Anything it
 * creates in the namespace goes away with it.
 */
export interface PodNetwork {
  /** The network namespace the pod must join (bind-mounted nsfs path), when it has one. */
  netnsPath?: string;
  /** Whether the pod shares the host's network stack. */
  host: boolean;
  /** The CNI-made interfaces inside netnsPath, in order (eth0, eth1...). Protocol 1.1. */
  interfaces?: PodInterface[];
}

/** One network's interface in the pod's namespace, from the CNI result. */
export interface PodInterface {
  /** The CNI network's name (default, default-restricted, a net.d name). */
  netName: string;
  /** Its name inside the namespace: eth0, eth1... */
  ifName: string;
  /** Its MAC address, when the plugin reported it. */
  mac?: string;
  /** Addresses in CIDR form (172.16.28.2/24), each with its gateway when there is one. */
  addresses: { address: string; gateway?: string }[];
  /**
   * The namespace's routes through this interface, as the plugins left them (main table):
   * dst in CIDR form (default is 0.0.0.0/0 or ::/0), gw absent for an on-link route. An
   * address's prefix route is listed when the namespace has it (bridge) and absent when the
   * plugin replaced it (ptp: the subnet via the gateway, the gateway on-link). On-link
   * routes come first, so the list can be added in order.
   */
  routes: { dst: string; gw?: string }[];
}

export type ResolvConfMode = "default" | "host" | "stage0" | "none";
export type EtcHostsMode = "default" | "host" | "stage0";
export type IpcMode = "auto" | "private" | "parent";

export interface RuntimeOptions {
  debug: boolean;
  /** Pass stdin (and the tty) through to the single app. */
  interactive: boolean;
  /** --hostname; the stage1 defaults to rkt-<uuid>. */
  hostname?: string;
  net: NetworkRequest[];
  network: PodNetwork;
  dns: { resolv: ResolvConfMode; hosts: EtcHostsMode };
  ipc: IpcMode;
  /** --insecure-options=capabilities,paths,seccomp: lift those restrictions. */
  insecure: { capabilities: boolean; paths: boolean; seccomp: boolean };
  /** The local configuration directory (--local-config). */
  localConfigDir: string;
  /**
   * Protocol 1.2: the pod is registered with the metadata service (--mds-register). A stage1
   * gives each app `AC_METADATA_URL` = `url` (the service's address as the pod reaches it,
   * with the pod's token in the path); `token` alone is for stage1s that make their own
   * network (rkt's --mds-token).
   */
  metadataService?: { url?: string; token: string };
}

/** A process for the launcher to execve in rkt's place: the pod keeps rkt's PID. */
export interface LaunchPlan {
  /** Absolute path of the executable. */
  path: string;
  /** Full argv, argv[0] included. */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** File descriptors that stay open across the exec (the pod lock is added by stage0). */
  keepFds?: number[];
}

export interface PrepareRequest {
  pod: PodContext;
}

export interface RunRequest {
  pod: PodContext;
  options: RuntimeOptions;
  /** The exclusively locked pod directory fd; the pod's long-lived process must keep it open. */
  lockFd: number;
}

export interface EnterRequest {
  pod: PodContext;
  app: string;
  /** The command to run inside the app (never empty: stage0 applies rkt's default). */
  command: string[];
  /** The PID stage1 wrote to `pid` (or the single child of `ppid`). */
  pid: number;
  /** Environment of the caller of `rkt enter` (the stage1 picks what passes, e.g. TERM). */
  callerEnv: Record<string, string | undefined>;
}

export interface StopRequest {
  pod: PodContext;
  force: boolean;
  /** PID from the pod's `pid`/`ppid` file, when there is one. */
  pid?: number;
}

export interface GcRequest {
  pod: PodContext;
  debug: boolean;
  localConfigDir: string;
}

/** A stage1 implementation. Only `run` is required. */
export interface Stage1 {
  /** Lay out the stage1 root (prepare time). Optional. */
  prepare?(req: PrepareRequest): Promise<void>;
  /** Compute the pod's long-lived process. It must keep `lockFd` open and write `pid` or `ppid`. */
  run(req: RunRequest): Promise<LaunchPlan>;
  /** Compute the process that enters the running pod's app. */
  enter?(req: EnterRequest): Promise<LaunchPlan>;
  /** Stop the running pod: in order, or at once with force. */
  stop?(req: StopRequest): Promise<void>;
  /** Release what the pod made outside its directory (cgroups, network, VMs...). */
  gc?(req: GcRequest): Promise<void>;
}

/** Services stage0 offers a stage1 through the DI container. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export interface HostInfo {
  /** The rkt-ts release running the stage1. */
  rktVersion: string;
  /** The protocol version stage0 speaks. */
  protocolVersion: string;
  /** The data directory (--dir). */
  dataDir: string;
  /** Where this stage1 was loaded from. */
  stage1Location: string;
}

export interface Stage1Deps {
  logger: Logger;
  host: HostInfo;
}

export interface Stage1Definition {
  /** The flavor name, e.g. "fly". Must equal `rkt.stage1.name` in the package.json. */
  name: string;
  capabilities: readonly Capability[];
  create(deps: Stage1Deps): Stage1;
}
