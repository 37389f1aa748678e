// Driving the real rkt binary as a user would, against a data directory of the test's own.
import { execFileSync, spawn, type SpawnOptions } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "../..");
/** This checkout's rkt; RKT_TEST_RKT runs the tests against another build (another checkout's bin/rkt). */
export const RKT = process.env.RKT_TEST_RKT ?? join(REPO, "bin", "rkt");

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  /** Fds of ours the child also gets, as its fds 3, 4... */
  extraFds?: number[];
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

/** A scratch world for one test file: its own data dir and config dirs. */
export class Sandbox {
  private made: string | undefined;

  /**
   * The directory is made on first use, not when the test file is collected: a file whose
   * tests are all filtered out (-t) then leaves nothing behind.
   */
  constructor(private readonly name: string) {}

  get root(): string {
    this.made ??= mkdtempSync(join(tmpdir(), `rkt-test-${this.name}-`));
    return this.made;
  }

  get dataDir(): string {
    return join(this.root, "data");
  }

  get localConfig(): string {
    return join(this.root, "etc");
  }

  get systemConfig(): string {
    return join(this.root, "lib");
  }

  path(...p: string[]): string {
    return join(this.root, ...p);
  }

  /** Runs `rkt --dir=... <args>`. */
  rkt(args: string[], opts: RunOptions = {}): Promise<Result> {
    return run(RKT, [`--dir=${this.dataDir}`, `--local-config=${this.localConfig}`, `--system-config=${this.systemConfig}`, ...args], opts);
  }

  cleanup(): void {
    if (this.made) rmSync(this.made, { recursive: true, force: true });
  }
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const spawnOpts: SpawnOptions = {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ["pipe", "pipe", "pipe", ...(opts.extraFds ?? [])],
    };
    const child = spawn(cmd, args, spawnOpts);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    // A program that exits before reading its input (an early refusal) is no test error.
    child.stdin!.on("error", () => {});
    child.stdin!.end(opts.input ?? "");
  });
}

/** Runs argv on a terminal of its own (util-linux script): its output (with \r\n) and exit code. */
export function inTerminal(argv: string[]): { code: number; out: string } {
  const quoted = argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  try {
    return { code: 0, out: execFileSync("script", ["-qec", quoted, "/dev/null"], { encoding: "utf8", input: "" }) };
  } catch (err) {
    return { code: (err as { status: number }).status, out: (err as { stdout: string }).stdout };
  }
}

/** Waits until `check` is true, polling; fails after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A `rkt` process running in the background (a pod), stopped by the test that started it. */
export function background(sb: Sandbox, args: string[], env: Record<string, string> = {}): { done: Promise<Result>; pid: () => number | undefined } {
  let child: import("node:child_process").ChildProcess | undefined;
  const done = new Promise<Result>((resolvePromise, reject) => {
    child = spawn(RKT, [`--dir=${sb.dataDir}`, `--local-config=${sb.localConfig}`, `--system-config=${sb.systemConfig}`, ...args], {
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  return { done, pid: () => child?.pid };
}
