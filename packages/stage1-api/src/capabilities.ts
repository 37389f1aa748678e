/**
 * What a stage1 can do, as data. stage0 reads a stage1's capabilities when a pod is
 * created: an option the user asked for explicitly fails early when the stage1 lacks the
 * capability; an option that is merely implied is dropped with a warning.
 */
export const Capability = {
  /** `rkt enter` into a running pod. */
  Enter: "enter",
  /** `rkt stop` (graceful and --force). */
  Stop: "stop",
  /** More than one app per pod. */
  MultiApp: "multi-app",
  /** Apps' exit codes recorded in rkt/status/<app> and returned by `rkt run`. */
  ExitStatus: "exit-status",
  /**
   * A network namespace of the pod's own (--net other than host). stage0 makes it, joins
   * the CNI networks and hands it over in RuntimeOptions.network; without this capability
   * a pod shares the host's network (and an explicit --net other than host is refused).
   */
  PrivateNetwork: "private-network",
  /** --port: stage0 forwards host ports to the pod's address in its network namespace. */
  PortForward: "port-forward",
  /**
   * The stage1 sets up the pod's networks itself from RuntimeOptions.net (rkt stage1
   * images do, with their own CNI plugins): stage0 makes no network namespace for it.
   * Protocol 1.1.
   */
  OwnNetwork: "own-network",
  /** --hostname and a UTS namespace. */
  Hostname: "hostname",
  /** Seccomp filters from isolators and --seccomp. */
  Seccomp: "seccomp",
  /** Capability bounding sets from isolators and --caps-retain/--caps-remove. */
  LinuxCapabilities: "linux-capabilities",
  /** resource/memory and --memory. */
  MemoryLimit: "memory-limit",
  /** resource/cpu, cpu-shares and --cpu. */
  CpuLimit: "cpu-limit",
  /** --interactive: the app's stdin and tty pass through. */
  Interactive: "interactive",
  /** kind=empty volumes. */
  EmptyVolumes: "empty-volumes",
  /** --ipc=private|parent. */
  Ipc: "ipc",
  /** Adding apps to a running pod (rkt app add). */
  AppAdd: "app-add",
  /**
   * --mds-register: the apps get AC_METADATA_URL from RuntimeOptions.metadataService (a
   * stage1 with own-network passes the token to its network code). Protocol 1.2.
   */
  MetadataService: "metadata-service",
} as const;

export type Capability = (typeof Capability)[keyof typeof Capability];

export const ALL_CAPABILITIES: readonly Capability[] = Object.values(Capability);

export function isCapability(value: string): value is Capability {
  return (ALL_CAPABILITIES as readonly string[]).includes(value);
}
