// An app's isolators turned into what a stage1 enforces, with rkt's defaults and rules:
// the capability bounding set (rkt's 14 by default), the seccomp filter (rkt's default
// whitelist by default), no_new_privs, and the cgroup limits.
import { IsolatorName, RKT_DEFAULT_CAPABILITIES, validateIsolators, type ParsedIsolator } from "@rkt/appc";
import type { Isolator } from "@rkt/stage1-api";
import { DEFAULT_SECCOMP_WHITELIST, SECCOMP_NAMED_SETS } from "./seccomp-sets.js";

export class IsolatorError extends Error {}

export interface SeccompFilter {
  /** retain: only `syscalls` are allowed; remove: `syscalls` are denied. */
  mode: "retain" | "remove";
  /** The errno a denied call returns; undefined: the process is killed (SIGSYS), as systemd did. */
  errno?: string;
  syscalls: string[];
}

export interface AppIsolation {
  /** The capability bounding set; "all" leaves it as the pod has it. */
  capabilities: readonly string[] | "all";
  noNewPrivileges: boolean;
  /** Undefined: no filter (@appc.io/all, or --insecure-options=seccomp). */
  seccomp?: SeccompFilter;
  /** resource/memory limit, in bytes. */
  memoryLimit?: bigint;
  /** resource/cpu limit, in millicores. */
  cpuLimitMilli?: bigint;
  cpuShares?: number;
  oomScoreAdj?: number;
}

export interface IsolationOptions {
  /** The app's uid: a non-root app gets no_new_privs with seccomp (it could not load the filter otherwise). */
  uid: number;
  /** --insecure-options=capabilities: the full bounding set. */
  insecureCapabilities: boolean;
  /** --insecure-options=seccomp: no filter. */
  insecureSeccomp: boolean;
}

function parse(isolators: Isolator[] | undefined, app: string): ParsedIsolator[] {
  try {
    return validateIsolators(isolators ?? [], `app ${app}: isolators`);
  } catch (err) {
    throw new IsolatorError((err as Error).message);
  }
}

/** Expands wildcards; `undefined` stands for @appc.io/all (no filtering at all). */
function expandSeccompSet(set: readonly string[], app: string): { names: string[]; all: boolean; empty: boolean } {
  const names = new Set<string>();
  let all = false;
  let empty = false;
  for (const entry of set) {
    if (!entry.startsWith("@")) {
      names.add(entry);
      continue;
    }
    if (entry === "@appc.io/all") all = true;
    else if (entry === "@appc.io/empty") empty = true;
    else if (SECCOMP_NAMED_SETS[entry]) for (const n of SECCOMP_NAMED_SETS[entry]!) names.add(n);
    else {
      throw new IsolatorError(
        `app ${app}: the seccomp set ${entry} is not supported (it names a systemd group; use ${Object.keys(SECCOMP_NAMED_SETS).join(", ")}, @appc.io/all, @appc.io/empty or syscall names)`,
      );
    }
  }
  return { names: [...names], all, empty };
}

function seccompFilter(parsed: ParsedIsolator[], app: string): SeccompFilter | undefined {
  const iso = parsed.find((p) => p.kind === "seccomp-retain" || p.kind === "seccomp-remove") as
    | Extract<ParsedIsolator, { kind: "seccomp-retain" | "seccomp-remove" }>
    | undefined;
  const fallback: SeccompFilter = { mode: "retain", syscalls: [...DEFAULT_SECCOMP_WHITELIST] };
  if (!iso) return fallback;
  const { names, all, empty } = expandSeccompSet(iso.set, app);
  const errno = iso.errno ? { errno: iso.errno } : {};
  if (iso.kind === "seccomp-retain") {
    if (all) return undefined; // opting out of filtering
    return { mode: "retain", ...errno, syscalls: names };
  }
  // A remove set of @appc.io/empty opts in to rkt's default whitelist.
  if (empty) return { ...fallback, ...errno };
  return { mode: "remove", ...errno, syscalls: names };
}

function capabilities(parsed: ParsedIsolator[], app: string): readonly string[] {
  const retain = parsed.find((p) => p.kind === "capabilities-retain") as Extract<ParsedIsolator, { kind: "capabilities-retain" }> | undefined;
  const remove = parsed.find((p) => p.kind === "capabilities-remove") as Extract<ParsedIsolator, { kind: "capabilities-remove" }> | undefined;
  if (retain && remove) {
    throw new IsolatorError(`app ${app}: cannot use both ${IsolatorName.CapabilitiesRetain} and ${IsolatorName.CapabilitiesRemove}`);
  }
  if (retain) return [...new Set(retain.set)];
  if (remove) return RKT_DEFAULT_CAPABILITIES.filter((c) => !remove.set.includes(c));
  return RKT_DEFAULT_CAPABILITIES;
}

/** The last isolator of a kind wins (rkt appends --memory and --cpu after the image's). */
function last<K extends ParsedIsolator["kind"]>(parsed: ParsedIsolator[], kind: K): Extract<ParsedIsolator, { kind: K }> | undefined {
  return parsed.filter((p) => p.kind === kind).at(-1) as Extract<ParsedIsolator, { kind: K }> | undefined;
}

export function appIsolation(app: string, isolators: Isolator[] | undefined, opts: IsolationOptions): AppIsolation {
  const parsed = parse(isolators, app);
  const seccomp = opts.insecureSeccomp ? undefined : seccompFilter(parsed, app);
  const nnp = last(parsed, "no-new-privileges")?.value ?? false;
  const out: AppIsolation = {
    capabilities: opts.insecureCapabilities ? "all" : capabilities(parsed, app),
    noNewPrivileges: nnp || (seccomp !== undefined && opts.uid !== 0),
  };
  if (seccomp) out.seccomp = seccomp;
  const memory = last(parsed, "memory");
  if (memory?.limit) out.memoryLimit = memory.limit.value;
  const cpu = last(parsed, "cpu");
  if (cpu?.limit) out.cpuLimitMilli = cpu.limit.milliValue;
  const shares = last(parsed, "cpu-shares");
  if (shares) out.cpuShares = shares.value;
  const oom = last(parsed, "oom-score-adj");
  if (oom) out.oomScoreAdj = oom.value;
  return out;
}
