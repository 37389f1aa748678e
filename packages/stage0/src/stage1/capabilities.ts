// Checking what a pod asks for against what its stage1 declares it can do: an option the
// user gave explicitly fails early; one that is only implied is dropped with a warning.
import type { IpcMode, Stage1Definition } from "@rkt/stage1-api";
import { Capability, UnsupportedOptionError } from "@rkt/stage1-api";
import { RktError } from "../errors.js";

/** An isolator of one of the pod's apps; explicit when a command-line flag set it. */
export interface IsolatorUse {
  app: string;
  name: string;
  explicit: boolean;
}

export interface PodRequirements {
  appCount: number;
  interactive: boolean;
  hostname?: string;
  /** Networks the user asked for explicitly with --net (undefined: the implicit default). */
  explicitNet?: string[];
  emptyVolumes: boolean;
  /** --ipc, when given. */
  ipc?: IpcMode;
  isolators?: IsolatorUse[];
  /** How many --port forwards the pod has. */
  ports?: number;
  /** --mds-register. */
  metadataService?: boolean;
}

/** The isolators a stage1 must declare a capability for, with the flag that sets each. */
const GATED_ISOLATORS: Record<string, { capability: Capability; flag: string }> = {
  "os/linux/seccomp-retain-set": { capability: Capability.Seccomp, flag: "--seccomp" },
  "os/linux/seccomp-remove-set": { capability: Capability.Seccomp, flag: "--seccomp" },
  "os/linux/capabilities-retain-set": { capability: Capability.LinuxCapabilities, flag: "--caps-retain" },
  "os/linux/capabilities-remove-set": { capability: Capability.LinuxCapabilities, flag: "--caps-remove" },
  "resource/memory": { capability: Capability.MemoryLimit, flag: "--memory" },
  "resource/cpu": { capability: Capability.CpuLimit, flag: "--cpu" },
  "os/linux/cpu-shares": { capability: Capability.CpuLimit, flag: "--cpu-shares" },
};

export interface CapabilityOutcome {
  /** The pod gets its own network namespace. */
  privateNetwork: boolean;
  /** stage0 makes that namespace and joins the CNI networks (the stage1 lacks own-network). */
  stage0Network: boolean;
  warnings: string[];
}

export function checkCapabilities(def: Stage1Definition, req: PodRequirements): CapabilityOutcome {
  const has = (c: Capability): boolean => def.capabilities.includes(c);
  const fail = (option: string, c: Capability): never => {
    throw new UnsupportedOptionError(def.name, option, c);
  };
  const warnings: string[] = [];
  if (req.appCount > 1 && !has(Capability.MultiApp)) {
    fail(`pods of ${req.appCount} apps (it runs one app per pod)`, Capability.MultiApp);
  }
  if (req.interactive && !has(Capability.Interactive)) fail("--interactive", Capability.Interactive);
  if (req.hostname !== undefined && !has(Capability.Hostname)) fail("--hostname", Capability.Hostname);
  if (req.emptyVolumes && !has(Capability.EmptyVolumes)) fail("kind=empty volumes", Capability.EmptyVolumes);
  if (req.ipc !== undefined && req.ipc !== "auto" && !has(Capability.Ipc)) fail(`--ipc=${req.ipc}`, Capability.Ipc);
  if (req.metadataService && !has(Capability.MetadataService)) fail("--mds-register", Capability.MetadataService);
  for (const use of req.isolators ?? []) {
    const gate = GATED_ISOLATORS[use.name];
    if (!gate || has(gate.capability)) continue;
    if (use.explicit) fail(`${gate.flag} (${use.name} for app ${use.app})`, gate.capability);
    warnings.push(`stage1 ${def.name} does not enforce the ${use.name} isolator of app ${use.app} (it lacks the "${gate.capability}" capability): ignored`);
  }
  // As in rkt, a pod without --net joins the default network, on the flavors that can have a
  // network of their own; the others (fly) share the host's, as rkt's fly did, silently.
  const nets = req.explicitNet ?? (has(Capability.PrivateNetwork) ? ["default"] : ["host"]);
  const privateNetwork = nets.some((n) => n !== "host");
  if (privateNetwork && !has(Capability.PrivateNetwork)) fail(`--net=${nets.join(",")}`, Capability.PrivateNetwork);
  // rkt's words: the apps reach the metadata service over the pod's network to the host.
  if (req.metadataService && nets.includes("none")) {
    throw new RktError("--mds-register flag does not work with --net=none. Please use 'host', 'default' or an equivalent network");
  }
  if ((req.ports ?? 0) > 0) {
    if (!has(Capability.PortForward)) fail("--port", Capability.PortForward);
    if (!privateNetwork || nets.includes("none")) throw new RktError("--port flag does not work with 'none'/'host' networking");
  }
  return { privateNetwork, stage0Network: privateNetwork && !has(Capability.OwnNetwork), warnings };
}
