// rkt's fly flavor: the app runs chrooted in a private mount namespace, with the host's
// network, PID and IPC namespaces and full root privileges. The pod's process is the
// isolation helper's supervisor, which records the app's exit code and exits with it.
import { helperPath, writeSpec } from "@rkt/isolation";
import type { EnterRequest, GcRequest, LaunchPlan, Logger, PodContext, RunRequest, Stage1, StopRequest } from "@rkt/stage1-api";
import { podLayout, Stage1Error, writeAppEnv } from "@rkt/stage1-api";
import { createEmptyVolumes, enterEnvironment, readPid, resolveApp, sendSignal, type ResolvedApp } from "@rkt/stage1-kit";
import { join } from "node:path";
import { enterSpec, runSpec } from "./spec.js";

function onlyApp(pod: PodContext, metadataUrl?: string): ResolvedApp {
  if (pod.apps.length !== 1) throw new Stage1Error("fly only supports 1 application per Pod for now");
  // rkt's fly binds host volumes non-recursively unless they say recursive=true.
  return resolveApp(pod, pod.apps[0]!, { recursiveByDefault: false, metadataUrl });
}

function specPath(pod: PodContext, name: string): string {
  return join(pod.dir, "stage1", name);
}

export class FlyStage1 implements Stage1 {
  constructor(private readonly logger: Logger) {}

  async run(req: RunRequest): Promise<LaunchPlan> {
    const { pod } = req;
    const app = onlyApp(pod, req.options.metadataService?.url);
    createEmptyVolumes(app.mounts);
    writeAppEnv(pod.stage1Root, app.name, app.env);
    const file = specPath(pod, "fly-run.spec");
    writeSpec(file, runSpec(pod, app, req.options, req.lockFd));
    this.logger.debug(`running app ${app.name} from ${file}`);
    return { path: helperPath(), argv: ["rkt-isolation", "run", file], env: {}, cwd: pod.dir, keepFds: [req.lockFd] };
  }

  async enter(req: EnterRequest): Promise<LaunchPlan> {
    const { pod } = req;
    const app = onlyApp(pod);
    const env = enterEnvironment(pod.stage1Root, app.name, req.callerEnv, () => app.env);
    const file = specPath(pod, `enter-${process.pid}.spec`);
    writeSpec(file, enterSpec(app, req.pid, env, req.command));
    return { path: helperPath(), argv: ["rkt-isolation", "enter", "--remove-spec", file], env: {}, cwd: pod.dir };
  }

  async stop(req: StopRequest): Promise<void> {
    const signal = req.force ? "SIGKILL" : "SIGTERM";
    if (sendSignal(req.pid, signal)) return;
    const pgid = readPid(join(req.pod.dir, podLayout.pgid));
    if (pgid !== undefined && sendSignal(-pgid, signal)) return;
    throw new Stage1Error(`pod ${req.pod.uuid} has no running process to stop`);
  }

  async gc(_req: GcRequest): Promise<void> {
    // The app's mounts lived in its private mount namespace and died with it; stage0
    // removes the pod directory.
  }
}
