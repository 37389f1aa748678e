// rkt export: an ACI of one app of an exited pod, its root filesystem as the app left it
// (the image's tree with what the app wrote) and its image's manifest, as rkt's export.
// An overlay root is mounted for the copy in a mount namespace of the copy's own, so nothing
// shows on the host; a copied root (--no-overlay) is archived as it is.
import { acNameProblem } from "@rkt/appc";
import type { RootfsSource } from "@rkt/stage1-api";
import { podLayout } from "@rkt/stage1-api";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { closeSync, copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { takeLock } from "../locks.js";
import { podContext } from "./layout.js";
import type { Pod } from "./pods.js";

export interface ExportOptions {
  /** --app: which app (required when the pod has several). */
  app?: string;
  out: string;
  overwrite: boolean;
}

export function exportPodApp(ctx: RktContext, pod: Pod, opts: ExportOptions): void {
  if (extname(opts.out) !== ".aci") throw new RktError(`extension must be .aci (given ${opts.out})`);
  const state = pod.state();
  if (state !== "exited" && state !== "exited garbage") throw new RktError("pod is not exited. Only exited pods can be exported");
  // Held while the root is read: gc deletes only pods whose lock it holds.
  const lock = takeLock(pod.dir, { exclusive: true, block: false });
  if (!lock) throw new RktError(`pod ${pod.uuid} is in use (being garbage collected?); try again`);
  try {
    const context = podContext(pod, (id) => ctx.store.paths.treeRootfs(id));
    const name = chooseApp(ctx, context.apps.map((a) => a.name), opts.app);
    const app = context.apps.find((a) => a.name === name)!;
    if (!opts.overwrite && existsSync(opts.out)) throw new RktError("error building aci: target file exists (try --overwrite)");
    // Written to a file made exclusively under an unpredictable name next to the target,
    // then renamed over it: a file or symlink someone placed there is never written through.
    const tmp = `${opts.out}.${randomBytes(6).toString("hex")}.rkt-export-tmp`;
    let fd: number;
    try {
      fd = openSync(tmp, "wx", 0o644);
    } catch (err) {
      throw new RktError(`error building aci: unable to open target ${opts.out}: ${(err as Error).message}`);
    }
    const stage = mkdtempSync(join(ctx.store.paths.tmp, `export-${pod.uuid}-`));
    try {
      // The image's manifest as the pod recorded it.
      copyFileSync(join(pod.dir, podLayout.appsInfo, name, "manifest"), join(stage, "manifest"));
      archive(stage, app.rootfs, fd);
      closeSync(fd);
      fd = -1;
      if (!opts.overwrite) linkSync(tmp, opts.out); // fails if the target appeared meanwhile
      else renameSync(tmp, opts.out);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new RktError("error building aci: target file exists (try --overwrite)");
      throw err;
    } finally {
      if (fd >= 0) closeSync(fd);
      rmSync(tmp, { force: true });
      rmSync(stage, { recursive: true, force: true });
    }
  } finally {
    lock.release();
  }
}

/** rkt's getApp: --app, else the pod's only app. */
function chooseApp(ctx: RktContext, apps: string[], wanted: string | undefined): string {
  if (wanted !== undefined) {
    const problem = acNameProblem(wanted);
    if (problem) throw new RktError(`unable to find app: ${problem}`);
    if (!apps.includes(wanted)) throw new RktError(`unable to find app: app ${wanted} is not present in pod`);
    return wanted;
  }
  if (apps.length === 1) return apps[0]!;
  if (apps.length === 0) throw new RktError("unable to find app: pod contains zero apps");
  ctx.reporter.warn(`pod contains multiple apps:\n${apps.map((a) => `\t${a}`).join("\n")}`);
  throw new RktError('unable to find app: specify app using "rkt export --app= ..."');
}

/** A gzipped tar of <stage>/manifest and the app's root as rootfs/, written to fd. */
function archive(stage: string, rootfs: RootfsSource, fd: number): void {
  const { execFileSync } = createRequire(import.meta.url)("node:child_process") as typeof import("node:child_process");
  // Right after a pod ends, the directories of its overlay still change under tar (the
  // kernel finishes with the pod's mount in the background) although nothing writes to the
  // root of an exited, locked pod: tar's "file changed as we read it" (exit status 1, with
  // the warning silenced, nothing on stderr) does not mean a bad archive here.
  const tar = ["tar", "--numeric-owner", "--warning=no-file-changed", "-czf", "-", "-C", stage, "manifest"];
  const run = (cmd: string, args: string[]): void => {
    try {
      execFileSync(cmd, args, { stdio: ["ignore", fd, "pipe"] });
    } catch (err) {
      const e = err as { stderr?: Buffer; status?: number | null; signal?: string | null };
      const stderr = e.stderr?.toString().trim() ?? "";
      if (e.status === 1 && stderr === "") return;
      throw new RktError(`error building aci: ${stderr || `${cmd} ${e.signal ? `was killed by ${e.signal}` : `exited with status ${e.status}`}`}`);
    }
  };
  if (rootfs.kind === "copy") {
    if (basename(rootfs.path) !== "rootfs") throw new RktError(`error building aci: unexpected app root ${rootfs.path}`);
    run(tar[0]!, [...tar.slice(1), "-C", dirname(rootfs.path), "rootfs"]);
    return;
  }
  // overlayfs splits its options on "," and ":": such paths are refused, not escaped.
  const dirs = [...rootfs.lower, rootfs.upper, rootfs.work];
  const odd = dirs.find((d) => /[,:\\]/.test(d));
  if (odd) throw new RktError(`error building aci: cannot mount the app's root from ${odd} (a path with ",", ":" or "\\")`);
  const mnt = join(stage, "rootfs");
  mkdirSync(mnt, { mode: 0o755 });
  const script = 'mount -t overlay overlay -o "ro,lowerdir=$1,upperdir=$2,workdir=$3" "$4" && shift 4 && exec "$@"';
  run("unshare", ["--mount", "--propagation=private", "--", "sh", "-c", script, "sh", rootfs.lower.join(":"), rootfs.upper, rootfs.work, mnt, ...tar, "rootfs"]);
}
