// rkt enter and rkt stop, through the pod's own stage1.
import { Capability, isStage1Error } from "@rkt/stage1-api";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { launcherClient } from "../locks.js";
import { podContext } from "./layout.js";
import { loadPodStage1 } from "./pod-stage1.js";
import type { Pod } from "./pods.js";

const PID_WAIT_MS = 100;

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Waits for the stage1 to write pid/ppid (it may not have yet), as long as the pod runs. */
async function podPid(pod: Pod): Promise<number> {
  for (;;) {
    const pid = pod.pid();
    if (pid !== undefined) return pid;
    if (pod.state() !== "running") throw new RktError(`pod ${JSON.stringify(pod.uuid)} is not running`);
    await sleep(PID_WAIT_MS);
  }
}

export interface EnterOptions {
  app?: string;
  command: string[];
}

export async function enterPod(ctx: RktContext, pod: Pod, opts: EnterOptions): Promise<void> {
  if (pod.state() !== "running") throw new RktError(`pod ${JSON.stringify(pod.uuid)} is not running`);
  const manifest = pod.manifest();
  let app = opts.app;
  if (app === undefined) {
    if (manifest.apps.length !== 1) {
      throw new RktError(
        `pod ${pod.uuid} contains multiple apps: ${manifest.apps.map((a) => a.name).join(", ")}; specify app using "rkt enter --app= ..."`,
      );
    }
    app = manifest.apps[0]!.name;
  } else if (!manifest.apps.some((a) => a.name === app)) {
    throw new RktError(`pod ${pod.uuid} has no app named ${JSON.stringify(app)}`);
  }
  const { stage1, definition } = await loadPodStage1(ctx, pod);
  if (!stage1.enter || !definition.capabilities.includes(Capability.Enter)) {
    throw new RktError(`rkt enter is not implemented by the stage1 of pod ${pod.uuid} (${definition.name})`);
  }
  const pid = await podPid(pod);
  try {
    const plan = await stage1.enter({
      pod: podContext(pod, (id) => ctx.store.paths.treeRootfs(id), manifest),
      app,
      command: opts.command,
      pid,
      callerEnv: { ...process.env },
    });
    launcherClient().exec(plan);
  } catch (err) {
    if (isStage1Error(err)) throw new RktError(err.message, { cause: err });
    throw err;
  }
}

/** Stops a running pod; false when it had already stopped. */
export async function stopPod(ctx: RktContext, pod: Pod, force: boolean): Promise<boolean> {
  const state = pod.state();
  if (state === "exited" || state === "exited garbage" || state === "garbage") return false;
  if (state !== "running") throw new RktError(`pod ${JSON.stringify(pod.uuid)} is not running (${state})`);
  const { stage1, definition } = await loadPodStage1(ctx, pod);
  if (!stage1.stop || !definition.capabilities.includes(Capability.Stop)) {
    throw new RktError(`rkt stop is not implemented by the stage1 of pod ${pod.uuid} (${definition.name})`);
  }
  try {
    await stage1.stop({ pod: podContext(pod, (id) => ctx.store.paths.treeRootfs(id)), force, pid: pod.pid() });
  } catch (err) {
    if (isStage1Error(err)) throw new RktError(`error stopping ${JSON.stringify(pod.uuid)}: ${err.message}`, { cause: err });
    throw err;
  }
  return true;
}
