// The SDK's file helpers: the pod files a stage1 writes and reads, with the exact formats
// stage0 expects (decimal + newline; files replaced atomically so a reader never sees half
// of one). Only node: built-ins, no engine code.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { appEnvFile, appRootfs, appStatusFile, podLayout } from "./layout.js";

/** Absolute paths of the files of one pod, by rkt's layout. */
export function podFiles(podDir: string) {
  const stage1Root = join(podDir, podLayout.stage1Root);
  return {
    dir: podDir,
    manifest: join(podDir, podLayout.manifest),
    pid: join(podDir, podLayout.pid),
    ppid: join(podDir, podLayout.ppid),
    stage1Root,
    stage1Manifest: join(podDir, podLayout.stage1Manifest),
    appRootfs: (app: string): string => appRootfs(stage1Root, app),
    appStatus: (app: string): string => appStatusFile(stage1Root, app),
    appEnv: (app: string): string => appEnvFile(stage1Root, app),
  };
}

/**
 * Writes `path` through a temporary file and a rename. The temporary file is created
 * exclusively under an unpredictable name and the rename replaces whatever `path` was (a
 * symlink included) without following it: safe in a directory others can write, such as
 * /tmp, where a planted symlink would otherwise redirect root's write.
 */
export function writeFileAtomic(path: string, data: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(tmp, data, { mode, flag: "wx" });
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Records the pod's process: `pid` (the process `rkt enter` targets) or `ppid` (a process
 * whose single child is that one). Its mtime becomes the pod's start time.
 */
export function writePodPid(podDir: string, pid: number, kind: "pid" | "ppid" = "pid"): void {
  writeFileAtomic(join(podDir, kind === "pid" ? podLayout.pid : podLayout.ppid), `${pid}\n`);
}

/** The pid in `pid`, else the single child of the pid in `ppid`; undefined when neither is usable. */
export function readPodPid(podDir: string): number | undefined {
  const direct = readNumber(join(podDir, podLayout.pid));
  if (direct !== undefined) return direct;
  const parent = readNumber(join(podDir, podLayout.ppid));
  if (parent === undefined) return undefined;
  try {
    const children = readFileSync(`/proc/${parent}/task/${parent}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    return children.length === 1 ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the stage1 recorded that every app is started: <stage1 root>/rkt/supervisor-status -> ready. */
export function supervisorReady(stage1Root: string): boolean {
  try {
    return readlinkSync(join(stage1Root, podLayout.supervisorStatus)) === "ready";
  } catch {
    return false; // not yet
  }
}

/** Records an app's exit code in <stage1 root>/rkt/status/<app> (what `rkt status` shows). */
export function writeAppStatus(stage1Root: string, app: string, code: number): void {
  writeFileAtomic(appStatusFile(stage1Root, app), `${code}\n`);
}

/**
 * Records an app's environment in <stage1 root>/rkt/env/<app>, one K=V per line; readable
 * by root only, since --set-env and image environments carry secrets.
 */
export function writeAppEnv(stage1Root: string, app: string, env: Iterable<[string, string]>): void {
  let text = "";
  for (const [k, v] of env) text += `${k}=${v}\n`;
  writeFileAtomic(appEnvFile(stage1Root, app), text, 0o600);
}

/**
 * Quotes a word for a POSIX shell. Launch plans are often `sh -c SCRIPT`; every path and
 * argument spliced into SCRIPT goes through this.
 */
export function shQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function readNumber(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
