// The kvm stage1's registration: what it is and what it can do. Capabilities are those of
// the pod init inside the VM (the nspawn flavor's), plus the VM's own: memory and CPU limits
// size the VM, the network is the VM's.
import type { Logger } from "@rkt/stage1-api";
import { Capability, defineStage1 } from "@rkt/stage1-api";
import { KvmStage1 } from "./kvm.js";

export default defineStage1({
  name: "kvm",
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
    Capability.PrivateNetwork,
    Capability.PortForward,
  ],
  create: ({ logger }: { logger: Logger }) => new KvmStage1(logger),
});
