// Handing a prepared pod to its stage1: the pod moves to run/, the stage1 computes the
// pod's long-lived process, and rkt's launcher execs it in rkt's place once Node exits.
import type { NetworkRequest, RuntimeOptions } from "@rkt/stage1-api";
import { Stage1Error } from "@rkt/stage1-api";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { launcherClient } from "../locks.js";
import { podContext } from "./layout.js";
import type { PreparedPod } from "./prepare.js";

export interface RuntimeRequest {
  interactive: boolean;
  hostname?: string;
  net: NetworkRequest[];
  ipc: RuntimeOptions["ipc"];
  dns: RuntimeOptions["dns"];
}

export async function startPod(ctx: RktContext, prepared: PreparedPod, runtime: RuntimeRequest): Promise<void> {
  const { pod, lock, stage1 } = prepared;
  if (pod.dirState !== "run") pod.moveTo("run");
  const options: RuntimeOptions = {
    debug: ctx.debug,
    interactive: runtime.interactive,
    hostname: runtime.hostname,
    net: runtime.net,
    network: { host: !prepared.privateNetwork },
    dns: runtime.dns,
    ipc: runtime.ipc,
    insecure: { capabilities: ctx.insecure.capabilities, paths: ctx.insecure.paths, seccomp: ctx.insecure.seccomp },
    localConfigDir: ctx.configDirs.local,
  };
  let plan;
  try {
    plan = await stage1.stage1.run({
      pod: podContext(pod, (id) => ctx.store.paths.treeRootfs(id), prepared.manifest),
      options,
      lockFd: lock.fd,
    });
  } catch (err) {
    if (err instanceof Stage1Error) throw new RktError(err.message, { cause: err });
    throw err;
  }
  ctx.reporter.debug(`handing pod ${pod.uuid} to ${plan.argv.join(" ")}`);
  launcherClient().exec({ ...plan, keepFds: [...new Set([...(plan.keepFds ?? []), lock.fd])] });
}
