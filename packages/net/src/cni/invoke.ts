// The CNI exec protocol, one plugin call: the plugin binary is looked up by its `type` in
// CNI_PATH; the network config is its stdin; the request is in CNI_* variables; the result
// (ADD) or an error object ({cniVersion, code, msg, details}) comes back on stdout.
import { accessSync, constants, statSync } from "node:fs";
import { join } from "node:path";
import { lastLine, runProcess, toolPath } from "../proc.js";
import { atLeast } from "./version.js";

export type CniCommand = "ADD" | "DEL" | "CHECK" | "VERSION";

export interface InvokeRequest {
  pluginPath: string;
  command: CniCommand;
  containerId: string;
  /** The netns path; empty for a DEL whose namespace is already gone (the spec allows it). */
  netns: string;
  ifName: string;
  /** CNI_ARGS: K=V;K2=V2. */
  args?: string;
  cniPath: string[];
  /** The network configuration given on stdin. */
  stdin: Buffer;
  /** The configuration's cniVersion (old plugins also read it from CNI_VERSION). */
  cniVersion: string;
  timeoutMs?: number;
}

/** A plugin's failure, with the code and words of its error object when it gave one. */
export class CniError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = "CniError";
  }
}

/** The first executable called `type` in the CNI_PATH directories. */
export function findPlugin(type: string, cniPath: string[]): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(type)) throw new CniError(`invalid plugin type ${JSON.stringify(type)}`);
  for (const dir of cniPath) {
    const p = join(dir, type);
    try {
      if (!statSync(p).isFile()) continue;
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  throw new CniError(`failed to find plugin ${JSON.stringify(type)} in path [${cniPath.join(" ")}]`);
}

/** The words of a CNI error object ("msg: details"), or undefined when stdout is not one. */
export function errorFromOutput(stdout: string): { message: string; code?: number } | undefined {
  let o: unknown;
  try {
    o = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (typeof o !== "object" || o === null) return undefined;
  const e = o as { code?: unknown; msg?: unknown; details?: unknown };
  if (typeof e.msg !== "string" || e.msg === "") return undefined;
  const details = typeof e.details === "string" && e.details !== "" ? `: ${e.details}` : "";
  // One line: plugins' details often end in a newline or quote a tool's multi-line output.
  const message = `${e.msg}${details}`.replace(/\s*\n\s*/g, " ").trim();
  return { message, ...(typeof e.code === "number" ? { code: e.code } : {}) };
}

/** Runs one plugin; resolves to its parsed stdout (undefined when it printed nothing). */
export async function invokePlugin(req: InvokeRequest): Promise<unknown> {
  // As libcni: the caller's environment (a plugin may need its own settings, or a proxy
  // plugin rkt's), without CNI_* variables of its own, plus the request.
  const inherited = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith("CNI_")));
  const env: Record<string, string> = {
    ...inherited,
    PATH: toolPath(),
    CNI_COMMAND: req.command,
    CNI_CONTAINERID: req.containerId,
    CNI_NETNS: req.netns,
    CNI_IFNAME: req.ifName,
    CNI_ARGS: req.args ?? "",
    CNI_PATH: req.cniPath.join(":"),
  };
  // The 0.1.0/0.2.0 generation of plugins looked for the version in the environment too.
  if (!atLeast(req.cniVersion, "0.3.0")) env.CNI_VERSION = req.cniVersion;
  const r = await runProcess(req.pluginPath, [], { env, input: req.stdin, timeoutMs: req.timeoutMs });
  const what = `plugin ${req.pluginPath.split("/").pop()} (${req.command})`;
  if (r.code !== 0) {
    const err = errorFromOutput(r.stdout);
    if (err) throw new CniError(err.message, err.code);
    const why = lastLine(r.stderr) || lastLine(r.stdout) || (r.signal ? `killed by ${r.signal}` : `exit status ${r.code}`);
    throw new CniError(`${what} failed: ${why}`);
  }
  const text = r.stdout.trim();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new CniError(`${what} printed a result that is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
}
