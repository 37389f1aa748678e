// The bridge: runs an rkt stage1 *image* (a pod's copy of it is in <pod>/stage1/rootfs,
// its manifest in <pod>/stage1/manifest, both put there by stage0 at prepare time) under
// rkt's contract. stage0 execs the run entrypoint in its place with rkt's argv, rkt's
// environment plus RKT_LOCK_FD, and the pod directory as working directory; enter is
// exec'd the same way; stop and gc run as children.
//
// rkt's stage0 mounted the apps' overlays in the host's mount namespace before the exec.
// Here the isolation helper mounts them in a private mount namespace and then execs the
// entrypoint in place, without changing root (`root /`) and without forking (no pid-file,
// status-file or lock-fd directive), so the entrypoint keeps rkt's PID and inherits the
// locked pod fd, and no mount outlives the pod.
import { helperPath, SpecBuilder, writeSpec } from "@rkt/isolation";
import type { EnterRequest, GcRequest, ImageManifest, LaunchPlan, Logger, PodContext, PrepareRequest, RunRequest, Stage1, StopRequest } from "@rkt/stage1-api";
import { podFiles, safeJoin, Stage1Error, stage1InterfaceVersion } from "@rkt/stage1-api";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { enterArgs, entrypoint, gcArgs, runArgs, stopArgs, type Entrypoint } from "./contract.js";

interface PodImage {
  manifest: ImageManifest;
  version: number;
}

function definedEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

export class BridgeStage1 implements Stage1 {
  constructor(private readonly logger: Logger) {}

  private image(pod: PodContext): PodImage {
    const file = podFiles(pod.dir).stage1Manifest;
    let manifest: ImageManifest;
    try {
      manifest = JSON.parse(readFileSync(file, "utf8")) as ImageManifest;
    } catch (err) {
      throw new Stage1Error(`cannot read the stage1 image manifest ${file}: ${(err as Error).message}`);
    }
    return { manifest, version: stage1InterfaceVersion(manifest) };
  }

  private executable(pod: PodContext, img: PodImage, which: Entrypoint): string {
    return safeJoin(pod.stage1Root, entrypoint(img.manifest, which), "stage1 entrypoint");
  }

  /** Refuses an image without a run entrypoint now rather than when the pod starts. */
  async prepare(req: PrepareRequest): Promise<void> {
    this.executable(req.pod, this.image(req.pod), "run");
  }

  async run(req: RunRequest): Promise<LaunchPlan> {
    const { pod } = req;
    const img = this.image(pod);
    const exe = this.executable(pod, img, "run");
    const { args, warnings } = runArgs(img.version, pod.uuid, req.options);
    for (const w of warnings) this.logger.warn(w);
    const env = {
      ...definedEnv(process.env),
      RKT_LOCK_FD: String(req.lockFd),
      RKT_SELINUX_CONTEXT: "",
      RKT_SELINUX_MOUNT_CONTEXT: "",
    };
    const spec = new SpecBuilder();
    spec.directive("mount-ns");
    spec.directive("root", "/");
    for (const app of pod.apps) {
      if (app.rootfs.kind === "overlay") spec.directive("overlay", app.rootfsPath, app.rootfs.upper, app.rootfs.work, ...app.rootfs.lower);
    }
    spec.directive("cwd", pod.dir);
    // rkt's contract: the entrypoint holds the locked pod fd (every other fd is closed).
    spec.directive("keep-fd", req.lockFd);
    for (const [k, v] of Object.entries(env)) spec.directive("env", `${k}=${v}`);
    spec.directive("exec", exe, exe, ...args);
    // The spec holds rkt's whole environment: the helper deletes it once read.
    const file = join(pod.dir, "stage1", "bridge-run.spec");
    writeSpec(file, spec);
    this.logger.debug(`interface version ${img.version}: ${exe} ${args.join(" ")}`);
    return { path: helperPath(), argv: ["rkt-isolation", "run", "--remove-spec", file], env: {}, cwd: pod.dir, keepFds: [req.lockFd] };
  }

  async enter(req: EnterRequest): Promise<LaunchPlan> {
    const exe = this.executable(req.pod, this.image(req.pod), "enter");
    return { path: exe, argv: [exe, ...enterArgs(req.pid, req.app, req.command)], env: definedEnv(req.callerEnv), cwd: req.pod.dir };
  }

  async stop(req: StopRequest): Promise<void> {
    const exe = this.executable(req.pod, this.image(req.pod), "stop");
    this.child("stop", exe, stopArgs(req.force, req.pod.uuid), req.pod.dir, ["ignore", "inherit", "inherit"]);
  }

  async gc(req: GcRequest): Promise<void> {
    const img = this.image(req.pod);
    const exe = this.executable(req.pod, img, "gc");
    // rkt gives gc its stderr only.
    this.child("gc", exe, gcArgs(img.version, req.debug, req.localConfigDir, req.pod.uuid), req.pod.dir, ["ignore", "ignore", "inherit"]);
  }

  private child(what: string, exe: string, args: string[], cwd: string, stdio: ("ignore" | "inherit")[]): void {
    this.logger.debug(`${exe} ${args.join(" ")}`);
    const res = spawnSync(exe, args, { cwd, stdio, env: process.env });
    if (res.error) throw new Stage1Error(`cannot execute the ${what} entrypoint ${exe}: ${(res.error as NodeJS.ErrnoException).code ?? res.error.message}`);
    if (res.signal) throw new Stage1Error(`the ${what} entrypoint was killed by ${res.signal}`);
    if (res.status !== 0) throw new Stage1Error(`the ${what} entrypoint exited with status ${res.status}`);
  }
}
