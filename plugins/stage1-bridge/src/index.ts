// The bridge's registration. It is a builtin, but stage0 never selects it by name: it runs
// the pods whose stage1 is an rkt stage1 image (--stage1-path/-url/-hash/-from-dir, stage1.d,
// or --stage1-name of an image in the store).
//
// What an image can do is only known through its interface version, and rkt passed every
// option on and let the image cope (warning for those its version cannot take), so the
// bridge declares the capabilities rkt's contract can carry and leaves the rest to the image.
import type { Logger } from "@rkt/stage1-api";
import { Capability, defineStage1 } from "@rkt/stage1-api";
import { BridgeStage1 } from "./bridge.js";

export default defineStage1({
  name: "bridge",
  capabilities: [
    Capability.Enter,
    Capability.Stop,
    Capability.MultiApp,
    Capability.ExitStatus,
    Capability.Interactive,
    Capability.Hostname,
    Capability.PrivateNetwork,
    Capability.PortForward,
    // The image's stage1 joins the CNI networks itself, as rkt's did.
    Capability.OwnNetwork,
    Capability.EmptyVolumes,
    Capability.Ipc,
    Capability.MetadataService,
    Capability.Seccomp,
    Capability.LinuxCapabilities,
    Capability.MemoryLimit,
    Capability.CpuLimit,
  ],
  create: ({ logger }: { logger: Logger }) => new BridgeStage1(logger),
});
