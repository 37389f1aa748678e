// The nspawn stage1's registration: what it is and what it can do. The pod init gives the
// first capabilities (the kit's POD_INIT_CAPABILITIES, the kvm flavor's too); nspawn's own
// are how it does the rest: a container's namespaces, cgroup limits, stage0's network.
import type { Logger } from "@rkt/stage1-api";
import { Capability, defineStage1 } from "@rkt/stage1-api";
import { POD_INIT_CAPABILITIES } from "@rkt/stage1-kit";
import { NspawnStage1 } from "./nspawn.js";

export default defineStage1({
  name: "nspawn",
  capabilities: [
    ...POD_INIT_CAPABILITIES,
    Capability.Enter,
    Capability.Stop,
    Capability.Hostname,
    Capability.MemoryLimit,
    Capability.CpuLimit,
    Capability.Ipc,
    Capability.PrivateNetwork,
    Capability.PortForward,
  ],
  create: ({ logger }: { logger: Logger }) => new NspawnStage1(logger),
});
