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
import { appEnvFile, podLayout, Stage1Error } from "@rkt/stage1-api";
import {
  appIsolation,
  createEmptyVolumes,
  formatEnvFile,
  imageRoot,
  IsolatorError,
  parseEnvFile,
  resolveApp,
  resolveInRoot,
  type AppIsolation,
  type ResolvedApp,
} from "@rkt/stage1-kit";
import { existsSync, lstatSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { isatty } from "node:tty";
import { join } from "node:path";
import { appSpec } from "./app-spec.js";
import { applyCgroupPlan, hostHierarchies, joinable, planCgroups, podProcessCgroup, removePodCgroups } from "./cgroups.js";
import { etcBinds, writeHostsFiles } from "./etc-files.js";
import { appRootInPod, appSpecPath, host, IN_POD, layoutStage1Root } from "./layout.js";
import { networkArgs } from "./network.js";
import { hostSpec, initSpec } from "./pod-spec.js";

/** Seconds between SIGTERM and SIGKILL when the pod stops; RKT_NSPAWN_STOP_TIMEOUT overrides it. */
export const DEFAULT_STOP_TIMEOUT = 10;

const NSPAWN_CANDIDATES = ["/usr/bin/systemd-nspawn", "/bin/systemd-nspawn", "/usr/local/bin/systemd-nspawn"];

function findNspawn(): string {
  const dirs = (process.env.PATH ?? "").split(":").filter(Boolean).map((d) => join(d, "systemd-nspawn"));
  const found = [...NSPAWN_CANDIDATES, ...dirs].find((p) => existsSync(p));
  if (!found) throw new Stage1Error("systemd-nspawn is not installed: install Debian's systemd-container package (apt-get install systemd-container)");
  return found;
}

function stopTimeout(): number {
  const raw = process.env.RKT_NSPAWN_STOP_TIMEOUT;
  if (raw === undefined || raw === "") return DEFAULT_STOP_TIMEOUT;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0 || v > 86400) {
    throw new Stage1Error(`RKT_NSPAWN_STOP_TIMEOUT=${JSON.stringify(raw)} is not a number of seconds (0 to 86400)`);
  }
  return v;
}

const HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

function podHostname(pod: PodContext, requested: string | undefined): string {
  const name = requested ?? `rkt-${pod.uuid}`;
  if (name.length > 64 || !HOSTNAME.test(name)) {
    throw new Stage1Error(`--hostname=${JSON.stringify(name)} is not a valid hostname (letters, digits, '-' and '.', at most 64 characters)`);
  }
  return name;
}

/** Union of the apps' capability bounding sets, for nspawn's --capability. */
function capabilityArgs(isolations: AppIsolation[]): string[] {
  if (isolations.some((i) => i.capabilities === "all")) return ["--capability=all"];
  const caps = new Set(isolations.flatMap((i) => i.capabilities as readonly string[]));
  return caps.size > 0 ? [`--capability=${[...caps].sort().join(",")}`] : [];
}

function readPid(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The container's PID 1 (our init): nspawn's single child once it is in a pid namespace of
 * its own. While nspawn starts, its child is still in ours (nspawn's "outer child").
 */
function containerInit(pod: PodContext): number | undefined {
  const nspawn = readPid(join(pod.dir, podLayout.ppid));
  if (nspawn === undefined) return undefined;
  try {
    const children = readFileSync(`/proc/${nspawn}/task/${nspawn}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    if (children.length !== 1) return undefined;
    const pid = Number(children[0]);
    return readlinkSync(`/proc/${pid}/ns/pid`) !== readlinkSync("/proc/self/ns/pid") ? pid : undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function signal(pid: number | undefined, sig: NodeJS.Signals): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
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
    if (!existsSync(host(s1, IN_POD.init))) layoutStage1Root(s1);
    if (options.interactive && pod.apps.length !== 1) throw new Stage1Error("interactive option only supports pods with one app");
    const nspawn = findNspawn();
    const hostname = podHostname(pod, options.hostname);
    const network = networkArgs(options, this.logger);
    const timeout = stopTimeout();

    const apps: { app: ResolvedApp; isolation: AppIsolation }[] = pod.apps.map((ctx) => {
      const app = resolveApp(pod, ctx, { recursiveByDefault: true });
      try {
        const isolation = appIsolation(app.name, app.app.isolators, {
          uid: app.uid,
          insecureCapabilities: options.insecure.capabilities,
          insecureSeccomp: options.insecure.seccomp,
        });
        return { app, isolation };
      } catch (err) {
        if (err instanceof IsolatorError) throw new Stage1Error(err.message);
        throw err;
      }
    });

    const cgroups = planCgroups(pod.uuid, hostHierarchies(), apps.map((a) => ({ name: a.app.name, isolation: a.isolation })));
    for (const w of cgroups.warnings) this.logger.warn(w);
    try {
      applyCgroupPlan(cgroups);
    } catch (err) {
      throw new Stage1Error(`setting up the pod's cgroups: ${(err as Error).message}`);
    }

    writeHostsFiles(s1, options.dns, hostname);
    const names = apps.map((a) => a.app.name);
    const hostApps = apps.map(({ app, isolation }) => {
      createEmptyVolumes(app.mounts);
      writeFileSync(appEnvFile(s1, app.name), formatEnvFile(app.env));
      writeSpec(
        host(s1, appSpecPath(app.name)),
        appSpec({ app, isolation, cgroups: cgroups.apps.get(app.name) ?? [], interactive: options.interactive, insecurePaths: options.insecure.paths }),
      );
      const hasHosts = existsSync(resolveInRoot(imageRoot(app.context), "/etc/hosts"));
      return { app, etc: etcBinds(s1, options.dns, hasHosts) };
    });
    writeSpec(host(s1, IN_POD.podSpec), initSpec(names, timeout));

    // A terminal on both ends: nspawn's console relays it (the app gets a terminal of its
    // own). Otherwise the apps write straight to rkt's stdout and stderr.
    const tty = options.interactive && isatty(0) && isatty(1);
    const env: Record<string, string> = {
      SYSTEMD_NSPAWN_USE_CGNS: "0",
      ...(options.debug ? {} : { SYSTEMD_LOG_LEVEL: "err" }),
      ...(options.insecure.paths ? { SYSTEMD_NSPAWN_API_VFS_WRITABLE: "1" } : {}),
      ...(options.ipc === "parent" ? { SYSTEMD_NSPAWN_SHARE_NS_IPC: "1" } : {}),
      ...(tty && process.env.TERM ? { TERM: process.env.TERM } : {}),
    };
    const argv = [
      "systemd-nspawn",
      `--directory=${s1}`,
      "--register=no",
      "--keep-unit",
      ...(options.debug ? [] : ["--quiet"]),
      "--link-journal=no",
      `--machine=rkt-${pod.uuid}`,
      `--uuid=${pod.uuid.replace(/-/g, "")}`,
      `--hostname=${hostname}`,
      `--console=${tty ? "interactive" : "pipe"}`,
      "--kill-signal=SIGTERM",
      ...network,
      ...capabilityArgs(apps.map((a) => a.isolation)),
      "--",
      IN_POD.init,
      "init",
      IN_POD.podSpec,
    ];
    const file = specFile(pod, "nspawn-pod.spec");
    writeSpec(file, hostSpec({ pod, apps: hostApps, cgroups, lockFd: req.lockFd, helper: helperPath(), exec: { path: nspawn, argv, env } }));
    this.logger.debug(`pod ${pod.uuid}: ${names.length} app(s), host spec ${file}`);
    return { path: helperPath(), argv: ["rkt-isolation", "pod", file], env: {}, cwd: pod.dir, keepFds: [req.lockFd] };
  }

  async enter(req: EnterRequest): Promise<LaunchPlan> {
    const { pod } = req;
    const init = await this.waitReady(pod);
    const ctx = pod.apps.find((a) => a.name === req.app);
    if (!ctx) throw new Stage1Error(`pod ${pod.uuid} has no app named ${JSON.stringify(req.app)}`);
    let env: Map<string, string>;
    try {
      env = parseEnvFile(readFileSync(appEnvFile(pod.stage1Root, req.app), "utf8"));
    } catch {
      env = resolveApp(pod, ctx, { recursiveByDefault: true }).env;
    }
    env.set("TERM", req.callerEnv.TERM ?? "vt100");
    // As rkt's /enter: the pod's namespaces (not its user namespace), the app's root and
    // environment, as root in /; the command joins the pod's cgroups too.
    const spec = new SpecBuilder();
    for (const h of joinable(hostHierarchies())) {
      const dir = podProcessCgroup(h, pod.uuid);
      if (existsSync(dir)) spec.directive("cgroup", dir);
    }
    spec.directive("join-ns", init, "ipc,uts,net,pid,mnt");
    spec.directive("root", appRootInPod(req.app));
    spec.directive("uid", 0).directive("gid", 0).directive("groups", "-");
    spec.directive("cwd", "/");
    for (const [k, v] of env) spec.directive("env", `${k}=${v}`);
    spec.directive("exec", req.command[0]!, ...req.command);
    const file = specFile(pod, `enter-${process.pid}.spec`);
    writeSpec(file, spec);
    return { path: helperPath(), argv: ["rkt-isolation", "enter", "--remove-spec", file], env: {}, cwd: pod.dir };
  }

  /** Waits until the pod's init has started its apps; returns the init's pid. */
  private async waitReady(pod: PodContext, timeoutMs = 10_000): Promise<number> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const init = containerInit(pod);
      let ready = false;
      try {
        ready = lstatSync(host(pod.stage1Root, IN_POD.ready)).isSymbolicLink();
      } catch {
        /* not yet */
      }
      if (init !== undefined && ready) return init;
      if (Date.now() > end) throw new Stage1Error(`pod ${pod.uuid} is not ready: its apps have not started (is it still starting, or stopping?)`);
      await sleep(50);
    }
  }

  async stop(req: StopRequest): Promise<void> {
    const { pod } = req;
    const nspawn = readPid(join(pod.dir, podLayout.ppid));
    const init = containerInit(pod);
    if (req.force) {
      // Killing PID 1 kills every process of the pod; nspawn then has nothing to wait for.
      const killed = signal(init, "SIGKILL");
      if (!signal(nspawn, "SIGKILL") && !killed) throw new Stage1Error(`pod ${pod.uuid} has no running process to stop`);
      return;
    }
    // The init stops the apps (SIGTERM, then SIGKILL after the stop timeout) and exits;
    // nspawn follows. Before the init is up, nspawn forwards SIGTERM to it.
    if (!signal(init, "SIGTERM") && !signal(nspawn, "SIGTERM")) throw new Stage1Error(`pod ${pod.uuid} has no running process to stop`);
  }

  async gc(req: GcRequest): Promise<void> {
    const left = await removePodCgroups(req.pod.uuid);
    if (left.length > 0) throw new Stage1Error(`cannot remove the pod's cgroups ${left.join(", ")}; run gc again`);
  }
}
