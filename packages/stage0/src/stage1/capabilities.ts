// Checking what a pod asks for against what its stage1 declares it can do: an option the
// user gave explicitly fails early; one that is only implied is dropped with a warning.
import type { Stage1Definition } from "@rkt/stage1-api";
import { Capability, UnsupportedOptionError } from "@rkt/stage1-api";

export interface PodRequirements {
  appCount: number;
  interactive: boolean;
  hostname?: string;
  /** Networks the user asked for explicitly with --net (undefined: the implicit default). */
  explicitNet?: string[];
  emptyVolumes: boolean;
}

export interface CapabilityOutcome {
  /** The pod gets its own network namespace. */
  privateNetwork: boolean;
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
  let privateNetwork = has(Capability.PrivateNetwork);
  if (req.explicitNet) {
    const wantsPrivate = req.explicitNet.some((n) => n !== "host");
    if (wantsPrivate && !privateNetwork) fail(`--net=${req.explicitNet.join(",")}`, Capability.PrivateNetwork);
    if (!wantsPrivate) privateNetwork = false;
  }
  return { privateNetwork, warnings };
}
