// Running the programs networking is made of (CNI plugins, ip, iptables-restore): stdin in,
// stdout and stderr captured, a deadline. node:child_process is loaded on first use, as
// elsewhere in rkt: at import time it costs start-up time that most commands never repay.
import { createRequire } from "node:module";

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ProcOptions {
  env?: Record<string, string>;
  input?: string | Buffer;
  /** Killed with SIGKILL after this long (default 60 s). */
  timeoutMs?: number;
}

/** Standard places of ip, iptables and friends, for a caller whose PATH lacks sbin. */
export const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** PATH with the sbin directories added: CNI plugins exec iptables through it. */
export function toolPath(path = process.env.PATH ?? ""): string {
  const have = new Set(path.split(":").filter(Boolean));
  return [...have, ...SYSTEM_PATH.split(":").filter((d) => !have.has(d))].join(":");
}

export function runProcess(file: string, args: string[], opts: ProcOptions = {}): Promise<ProcResult> {
  const { spawn } = createRequire(import.meta.url)("node:child_process") as typeof import("node:child_process");
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: opts.env ?? { ...process.env, PATH: toolPath() },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.stdin.on("error", () => {
      /* EPIPE when the program exits before reading its input: its status tells */
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** The last non-empty line of a program's stderr: what it said when it failed. */
export function lastLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? "";
}
