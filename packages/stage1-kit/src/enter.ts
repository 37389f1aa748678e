// `rkt enter` in the flavors whose pods run the shared pod init (nspawn, kvm): the pod init
// itself spawns the command into the app, so that it gets exactly the app's confinement. The
// host side is `rkt-isolation ctl-enter`, which reaches the init's control channel (the init's
// socket in an nspawn pod, the VM supervisor's in a kvm pod) with this spec.
import type { SpecSink } from "./spec-sink.js";

export interface EnterSpecInput {
  /** The host path of the control socket. */
  controlSocket: string;
  app: string;
  /** The command's exact environment. */
  env: Map<string, string>;
  command: string[];
  /** Hand rkt enter's own stdin, stdout and stderr to the command (nspawn: same kernel). */
  passFds: boolean;
}

export function enterSpec<S extends SpecSink>(spec: S, input: EnterSpecInput): S {
  spec.directive("control-socket", input.controlSocket);
  spec.directive("app", input.app);
  if (input.passFds) spec.directive("pass-fds");
  for (const [k, v] of input.env) spec.directive("env", `${k}=${v}`);
  spec.directive("exec", ...input.command);
  return spec;
}
