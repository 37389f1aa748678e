// A complete, minimal stage1 built from standard tools only. `rkt run` becomes:
//
//   unshare --mount --propagation private -- bash -c SUPERVISOR hello APP-ARGV...
//
// unshare execs bash in rkt's place (the pod keeps rkt's PID and inherits the locked pod
// directory fd), in a mount namespace of its own. The supervisor script mounts the app's
// root (an overlay over the image, or rkt's copy), /dev, /proc and /sys into it, starts the
// app with `unshare --root` (a chroot) under the app's user and environment, records the
// app's PID, forwards SIGTERM, records the exit code and exits with it. The app never sees
// the lock fd; the supervisor holds it until the pod ends.
import type { AppContext, EnterRequest, GcRequest, LaunchPlan, Logger, PodContext, RunRequest, Stage1, StopRequest } from "@rkt/stage1-api";
import { podFiles, readPodPid, shQuote, Stage1Error, writeAppEnv } from "@rkt/stage1-api";
import { readFileSync } from "node:fs";

const HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

interface App {
  ctx: AppContext;
  argv: string[];
  uid: number;
  gid: number;
  cwd: string;
  env: Map<string, string>;
}

/** "0", "1000" or "root": this example resolves no user names from the image. */
function numericId(value: string | undefined, what: string, app: string): number {
  if (value === undefined || value === "" || value === "root") return 0;
  if (/^[0-9]+$/.test(value)) return Number(value);
  throw new Stage1Error(`stage1 hello runs apps as numeric users only: app ${app} has ${what} ${JSON.stringify(value)}`);
}

export class HelloStage1 implements Stage1 {
  constructor(
    private readonly logger: Logger,
    private readonly version: string,
  ) {}

  private app(pod: PodContext): App {
    if (pod.apps.length !== 1) throw new Stage1Error("stage1 hello runs exactly one app per pod");
    const ctx = pod.apps[0]!;
    const runtime = pod.manifest?.apps.find((a) => a.name === ctx.name);
    const spec = runtime?.app ?? ctx.imageManifest.app;
    if (!spec?.exec?.length) throw new Stage1Error(`app ${ctx.name} has nothing to execute`);
    if ((runtime?.mounts?.length ?? 0) > 0 || (spec.mountPoints?.length ?? 0) > 0) {
      throw new Stage1Error(`stage1 hello does not support volumes (app ${ctx.name} has mount points)`);
    }
    const env = new Map<string, string>();
    for (const { name, value } of spec.environment ?? []) env.set(name, value);
    env.set("AC_APP_NAME", ctx.name);
    env.set("RKT_STAGE1", `hello@${this.version}`);
    for (const [k, v] of [["PATH", HOST_PATH], ["HOME", "/root"], ["SHELL", "/bin/sh"], ["USER", "root"], ["LOGNAME", "root"]]) {
      if (!env.has(k!)) env.set(k!, v!);
    }
    return {
      ctx,
      argv: spec.exec,
      uid: numericId(spec.user, "user", ctx.name),
      gid: numericId(spec.group, "group", ctx.name),
      cwd: spec.workingDirectory || "/",
      env,
    };
  }

  async run(req: RunRequest): Promise<LaunchPlan> {
    const { pod } = req;
    const app = this.app(pod);
    const files = podFiles(pod.dir);
    // rkt enter reads it back; rkt's layout keeps it in the stage1 root.
    writeAppEnv(pod.stage1Root, app.ctx.name, app.env);
    const root = shQuote(app.ctx.rootfsPath);
    const lines = ["set -u", `root=${root}`];
    if (app.ctx.rootfs.kind === "overlay") {
      const { lower, upper, work } = app.ctx.rootfs;
      const opts = `lowerdir=${lower.join(":")},upperdir=${upper},workdir=${work}`;
      lines.push(`mount -t overlay overlay -o ${shQuote(opts)} "$root" || exit 254`);
    }
    lines.push(
      'mkdir -p "$root/dev" "$root/proc" "$root/sys"',
      'mount --rbind /dev "$root/dev" && mount -t proc proc "$root/proc" && mount --rbind /sys "$root/sys" || exit 254',
      // The app: the lock fd closed, stdin only when interactive, a chroot with its user,
      // working directory and exact environment.
      `( exec ${req.lockFd}<&-${req.options.interactive ? "" : "; exec </dev/null"}` +
        `; exec env -i ${[...app.env].map(([k, v]) => shQuote(`${k}=${v}`)).join(" ")}` +
        ` unshare --root="$root" --wd=${shQuote(app.cwd)} --setgid=${app.gid} --setuid=${app.uid} -- "$@" ) &`,
      "app=$!",
      `echo "$app" > ${shQuote(files.pid)}.tmp && mv -f ${shQuote(files.pid)}.tmp ${shQuote(files.pid)}`,
      'trap \'kill -TERM "$app" 2>/dev/null\' TERM INT HUP',
      // wait returns early when a trapped signal arrives: wait again until the app is gone.
      'while :; do wait "$app"; code=$?; kill -0 "$app" 2>/dev/null || break; done',
      `status=${shQuote(files.appStatus(app.ctx.name))}`,
      'echo "$code" > "$status.tmp" && mv -f "$status.tmp" "$status"',
      'exit "$code"',
    );
    this.logger.debug(`hello@${this.version}: running ${app.argv.join(" ")} in ${app.ctx.rootfsPath}`);
    return {
      path: "/usr/bin/unshare",
      argv: ["unshare", "--mount", "--propagation", "private", "--", "/bin/bash", "-c", lines.join("\n"), "hello-stage1", ...app.argv],
      env: { PATH: HOST_PATH },
      cwd: pod.dir,
      keepFds: [req.lockFd],
    };
  }

  async enter(req: EnterRequest): Promise<LaunchPlan> {
    const app = this.app(req.pod);
    let env = app.env;
    try {
      env = new Map(
        readFileSync(podFiles(req.pod.dir).appEnv(app.ctx.name), "utf8")
          .split("\n")
          .filter((l) => l.includes("="))
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as [string, string]),
      );
    } catch {
      // a pod started by an older hello: compute it again
    }
    env.set("TERM", req.callerEnv.TERM ?? "vt100");
    env.set("RKT_STAGE1", `hello@${this.version}`); // which version entered, for the curious
    // nsenter --root and --wd with no value: the app's own root and working directory.
    return {
      path: "/usr/bin/env",
      argv: ["env", "-i", ...[...env].map(([k, v]) => `${k}=${v}`), "nsenter", `--target=${req.pid}`, "--mount", "--root", "--wd", `--setgid=${app.gid}`, `--setuid=${app.uid}`, "--", ...req.command],
      env: {},
      cwd: req.pod.dir,
    };
  }

  async stop(req: StopRequest): Promise<void> {
    // The app itself: the supervisor then records its exit code and ends the pod.
    const pid = req.pid ?? readPodPid(req.pod.dir);
    if (pid === undefined) throw new Stage1Error(`pod ${req.pod.uuid} has no running app to stop`);
    try {
      process.kill(pid, req.force ? "SIGKILL" : "SIGTERM");
    } catch (err) {
      throw new Stage1Error(`cannot signal the app of pod ${req.pod.uuid} (pid ${pid}): ${(err as NodeJS.ErrnoException).code}`);
    }
  }

  async gc(req: GcRequest): Promise<void> {
    // Every mount lived in the pod's own mount namespace and died with it.
    this.logger.debug(`hello@${this.version}: nothing to collect for pod ${req.pod.uuid}`);
  }
}
