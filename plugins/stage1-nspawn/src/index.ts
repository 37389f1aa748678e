// The nspawn stage1's registration: what it is and what it can do.
import type { Logger } from "@rkt/stage1-api";
import { Capability, defineStage1 } from "@rkt/stage1-api";
import { NspawnStage1 } from "./nspawn.js";

export default defineStage1({
  name: "nspawn",
  capabilities: [
    Capability.Enter,
    Capability.Stop,
    Capability.MultiApp,
    Capability.ExitStatus,
    Capability.Hostname,
    Capability.Seccomp,
    Capability.LinuxCapabilities,
    Capability.MemoryLimit,
    Capability.CpuLimit,
    Capability.Interactive,
    Capability.EmptyVolumes,
    Capability.Ipc,
    Capability.PrivateNetwork,
    Capability.PortForward,
  ],
  create: ({ logger }: { logger: Logger }) => new NspawnStage1(logger),
});
