// The kvm stage1's registration: what it is and what it can do. The pod init inside the VM
// gives the first capabilities (the kit's POD_INIT_CAPABILITIES, the nspawn flavor's too);
// the VM does the rest: memory and CPU limits size the VM, the network is the VM's.
import type { Logger } from "@rkt/stage1-api";
import { Capability, defineStage1 } from "@rkt/stage1-api";
import { POD_INIT_CAPABILITIES } from "@rkt/stage1-kit";
import { KvmStage1 } from "./kvm.js";

export default defineStage1({
  name: "kvm",
  capabilities: [
    ...POD_INIT_CAPABILITIES,
    Capability.Enter,
    Capability.Stop,
    Capability.Hostname,
    Capability.MemoryLimit,
    Capability.CpuLimit,
    Capability.PrivateNetwork,
    Capability.PortForward,
  ],
  create: ({ logger }: { logger: Logger }) => new KvmStage1(logger),
});
