// rkt's default flavor: each pod is a systemd-nspawn container (its own PID, mount, UTS and
// IPC namespaces, and network namespace unless --net=host) whose PID 1 is the isolation
// helper's init. Process picture of a running pod:
//
//   caller ─ systemd-nspawn (rkt's PID: holds the pod lock; pid in <pod>/ppid)
//              └─ rkt-isolation init (PID 1 in the pod) ─ app, app, ...
//
// stage0's launcher execs `rkt-isolation pod` in rkt's place; that sets up the host side
// (cgroups, a private mount namespace with the apps' roots and volumes) and execs nspawn.
import { helperPath, SpecBuilder, writeSpec } from "@rkt/isolation";
import type { EnterRequest, GcRequest, LaunchPlan, Logger, PodContext, PrepareRequest, RunRequest, Stage1, StopRequest } from "@rkt/stage1-api";
import { appEnvFile, Stage1Error } from "@rkt/stage1-api";
import {
  appSpecPath,
  checkInteractive,
  createEmptyVolumes,
  enterEnvironment,
  enterSpec,
  etcBinds,
  writeHostnameFile,
  systemdAccepts,
  formatEnvFile,
  hostPath,
  imageHasHosts,
  podHostname,
  podInitSpec,
  resolveApp,
  resolveIsolatedApp,
  sendSignal,
  writeHostsFiles,
} from "@rkt/stage1-kit";
import { existsSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isatty } from "node:tty";
import { appSpec } from "./app-spec.js";
import { applyCgroupPlan, hostHierarchies, planCgroups, podCgroupPath, removePodCgroups, volumeDevices } from "./cgroups.js";
import { IN_POD, layoutStage1Root } from "./layout.js";
import { podNetns } from "./network.js";
import { nspawnCommand } from "./nspawn-command.js";
import { hostSpec } from "./pod-spec.js";
import { containerInit, nspawnPid, waitReady } from "./pod-process.js";
import { writeSeccompLists } from "./seccomp-lists.js";

/** --dns=host: the host's resolv.conf, bound into the apps as it is. */
const HOST_RESOLV_CONF = "/etc/resolv.conf";

/** rkt's nspawn flavors bind host volumes recursively unless they say recursive=false. */
const RECURSIVE_BY_DEFAULT = true;

/** Seconds between SIGTERM and SIGKILL when the pod stops; RKT_NSPAWN_STOP_TIMEOUT overrides it. */
export const DEFAULT_STOP_TIMEOUT = 10;

function stopTimeout(): number {
  const raw = process.env.RKT_NSPAWN_STOP_TIMEOUT;
  if (raw === undefined || raw === "") return DEFAULT_STOP_TIMEOUT;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0 || v > 86400) {
    throw new Stage1Error(`RKT_NSPAWN_STOP_TIMEOUT=${JSON.stringify(raw)} is not a number of seconds (0 to 86400)`);
  }
  return v;
}

function specFile(pod: PodContext, name: string): string {
  return join(pod.dir, "stage1", name);
}

export class NspawnStage1 implements Stage1 {
  constructor(private readonly logger: Logger) {}

  async prepare(req: PrepareRequest): Promise<void> {
    layoutStage1Root(req.pod.stage1Root);
  }

  async run(req: RunRequest): Promise<LaunchPlan> {
    const { pod, options } = req;
    const s1 = pod.stage1Root;
    if (!existsSync(hostPath(s1, IN_POD.init))) layoutStage1Root(s1);
    checkInteractive(pod, options.interactive);
    // Everything that can be refused is checked before anything is made outside the pod dir.
    const hostname = podHostname(pod, options.hostname);
    if (!systemdAccepts(hostname)) {
      this.logger.warn(`systemd-nspawn refuses the hostname ${JSON.stringify(hostname)} (an underscore): the pod's kernel hostname is rkt-${pod.uuid}; its /etc/hostname says ${hostname}`);
    }
    const netns = podNetns(options);
    const timeout = stopTimeout();
    const apps = pod.apps.map((ctx) => resolveIsolatedApp(pod, ctx, { recursiveByDefault: RECURSIVE_BY_DEFAULT, insecure: options.insecure, metadataUrl: options.metadataService?.url }));
    const isolations = apps.map((a) => a.isolation);
    // A terminal on both ends: nspawn's console relays it (the app takes it as its terminal).
    // Otherwise the apps write straight to rkt's stdout and stderr.
    const tty = options.interactive && isatty(0) && isatty(1);

    const cgroups = planCgroups(
      pod.uuid,
      hostHierarchies(),
      apps.map((a) => ({ name: a.app.name, isolation: a.isolation })),
      { devicePolicy: !options.insecure.paths, extraDevices: volumeDevices(apps.flatMap((a) => a.app.mounts)) },
    );
    const exec = nspawnCommand({ pod, options, hostname, netns, isolations, tty, unifiedCgroups: cgroups.unifiedApps });
    for (const w of cgroups.warnings) this.logger.warn(w);
    try {
      applyCgroupPlan(cgroups);
    } catch (err) {
      throw new Stage1Error(`setting up the pod's cgroups: ${(err as Error).message}`);
    }
    // rkt's <pod>/subcgroup: the pod's cgroup below each hierarchy's root (the API service's Pod.cgroup).
    writeFileSync(join(pod.dir, "subcgroup"), podCgroupPath(pod.uuid));

    writeHostsFiles(s1, options.dns, hostname);
    writeHostnameFile(s1, hostname);
    const seccompFiles = writeSeccompLists(s1, isolations);
    // Two files per app (rkt/env/<app> and its spec): written concurrently, which matters for
    // pods of many apps. Nothing reads them before the pod starts, so no tmp + rename.
    const files: Promise<void>[] = [];
    const hostApps = apps.map(({ app, isolation }) => {
      createEmptyVolumes(app.mounts);
      files.push(writeFile(appEnvFile(s1, app.name), formatEnvFile(app.env), { mode: 0o600 }));
      const spec = appSpec({
        app,
        isolation,
        seccompFile: isolation.seccomp ? seccompFiles.get(isolation.seccomp.syscalls) : undefined,
        cgroups: cgroups.apps.get(app.name) ?? [],
        interactive: options.interactive,
        insecurePaths: options.insecure.paths,
      });
      files.push(writeFile(hostPath(s1, appSpecPath(app.name)), spec.toString(), { mode: 0o600 }));
      return { app, etc: etcBinds(s1, options.dns, imageHasHosts(app.context), HOST_RESOLV_CONF) };
    });
    await Promise.all(files);
    writeSpec(hostPath(s1, IN_POD.podSpec), podInitSpec(new SpecBuilder(), apps.map((a) => a.app.name), { stopTimeoutSeconds: timeout, controlSocket: IN_POD.controlSocket }));

    const file = specFile(pod, "nspawn-pod.spec");
    writeSpec(file, hostSpec({ pod, apps: hostApps, cgroups, lockFd: req.lockFd, helper: helperPath(), exec }));
    this.logger.debug(`pod ${pod.uuid}: ${apps.length} app(s), host spec ${file}`);
    return { path: helperPath(), argv: ["rkt-isolation", "pod", file], env: {}, cwd: pod.dir, keepFds: [req.lockFd] };
  }

  async enter(req: EnterRequest): Promise<LaunchPlan> {
    const { pod } = req;
    await waitReady(pod);
    const ctx = pod.apps.find((a) => a.name === req.app);
    if (!ctx) throw new Stage1Error(`pod ${pod.uuid} has no app named ${JSON.stringify(req.app)}`);
    const env = enterEnvironment(pod.stage1Root, req.app, req.callerEnv, () => resolveApp(pod, ctx, { recursiveByDefault: RECURSIVE_BY_DEFAULT }).env);
    // The pod's init spawns the command into the app: its mount namespace and root, cgroups,
    // capabilities, credentials, seccomp filter and the pod's namespaces, in /, with the app's
    // environment (rkt's enter) and the caller's TERM. rkt enter's own stdio go to it as they are.
    const file = specFile(pod, `enter-${process.pid}.spec`);
    writeSpec(file, enterSpec(new SpecBuilder(), { controlSocket: hostPath(pod.stage1Root, IN_POD.controlSocket), app: req.app, env, command: req.command, passFds: true }));
    return { path: helperPath(), argv: ["rkt-isolation", "ctl-enter", "--remove-spec", file], env: {}, cwd: pod.dir };
  }

  async stop(req: StopRequest): Promise<void> {
    const { pod } = req;
    const nspawn = nspawnPid(pod);
    const init = containerInit(pod);
    if (req.force) {
      // nspawn first (it would report its container's death on rkt's stderr), then PID 1,
      // whose death kills every process of the pod.
      const killed = sendSignal(nspawn, "SIGKILL");
      if (!sendSignal(init, "SIGKILL") && !killed) throw new Stage1Error(`pod ${pod.uuid} has no running process to stop`);
      return;
    }
    // The init stops the apps (SIGTERM, then SIGKILL after the stop timeout) and exits;
    // nspawn follows. Before the init is up, nspawn forwards SIGTERM to it.
    if (!sendSignal(init, "SIGTERM") && !sendSignal(nspawn, "SIGTERM")) throw new Stage1Error(`pod ${pod.uuid} has no running process to stop`);
  }

  async gc(req: GcRequest): Promise<void> {
    const left = await removePodCgroups(req.pod.uuid);
    if (left.length > 0) throw new Stage1Error(`cannot remove the pod's cgroups ${left.join(", ")}; run gc again`);
  }
}
