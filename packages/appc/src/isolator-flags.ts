// The per-app isolator flags of `rkt run`/`prepare` (rkt/cli_apps.go, common/apps):
// --memory, --cpu, --cpu-shares, --oom-score-adj, --caps-retain/--caps-remove, --seccomp.
// Each returns the isolator stage0 puts into the app (or the parsed parts of it).
import type { Isolator } from "@rkt/stage1-api";
import { AppcError } from "./errors.js";
import { IsolatorName } from "./isolators.js";
import { capabilityProblem, errnoProblem, seccompEntryProblem } from "./linux-names.js";
import { parseQuantity, type Quantity } from "./quantity.js";

/** The smallest --memory rkt accepts, in bytes. */
export const MIN_MEMORY_BYTES = 4096n;

function quantityFlag(flag: string, q: string): Quantity {
  let parsed: Quantity;
  try {
    parsed = parseQuantity(q);
  } catch (err) {
    throw new AppcError(`invalid value ${JSON.stringify(q)} for ${flag}: ${(err as Error).message}`);
  }
  if (parsed.num < 0n) throw new AppcError(`invalid value ${JSON.stringify(q)} for ${flag}: must not be negative`);
  return parsed;
}

/**
 * `--memory=QTY`: a `resource/memory` isolator with request = limit = QTY. Rejects values
 * under 4096 bytes (most likely `16m`, milli-bytes, for `16M`), as rkt does.
 */
export function memoryIsolatorFromFlag(q: string): Isolator {
  const parsed = quantityFlag("--memory", q);
  if (parsed.value < MIN_MEMORY_BYTES) {
    throw new AppcError(`memory limit of ${parsed.value} bytes too low. Try a reasonable value, such as --memory=16M`);
  }
  return { name: IsolatorName.Memory, value: { request: q, limit: q } };
}

/** `--cpu=QTY`: a `resource/cpu` isolator with request = limit = QTY (e.g. `500m`, `2`). */
export function cpuIsolatorFromFlag(q: string): Isolator {
  quantityFlag("--cpu", q);
  return { name: IsolatorName.CPU, value: { request: q, limit: q } };
}

function intFlag(flag: string, s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s.trim())) throw new AppcError(`invalid value ${JSON.stringify(s)} for ${flag}: must be an integer`);
  return Number.parseInt(s, 10);
}

/** `--cpu-shares=N`: an `os/linux/cpu-shares` isolator (2..262144). */
export function cpuSharesIsolatorFromFlag(s: string): Isolator {
  const n = intFlag("--cpu-shares", s);
  if (n < 2 || n > 262144) throw new AppcError(`${IsolatorName.CPUShares} must be between 2 and 262144, got ${n}`);
  return { name: IsolatorName.CPUShares, value: n };
}

/** `--oom-score-adj=N`: an `os/linux/oom-score-adj` isolator (-1000..1000). */
export function oomScoreAdjIsolatorFromFlag(s: string): Isolator {
  const n = intFlag("--oom-score-adj", s);
  if (n < -1000 || n > 1000) throw new AppcError(`${IsolatorName.OOMScoreAdj} must be between -1000 and 1000, got ${n}`);
  return { name: IsolatorName.OOMScoreAdj, value: n };
}

/**
 * `--caps-retain=CAP_A,CAP_B` / `--caps-remove=...`: the capability names, each checked
 * against the Linux list (`CAP_NET_ADMIN`, not `NET_ADMIN`).
 */
export function capsFromFlag(s: string): string[] {
  const set = s.split(",");
  if (s === "") throw new AppcError("set must be non-empty");
  for (const c of set) {
    const p = capabilityProblem(c);
    if (p) throw new AppcError(p);
  }
  return set;
}

/** The isolator for --caps-retain (`retain`) or --caps-remove (`remove`). */
export function capsIsolator(mode: "retain" | "remove", set: readonly string[]): Isolator {
  return {
    name: mode === "retain" ? IsolatorName.CapabilitiesRetain : IsolatorName.CapabilitiesRemove,
    value: { set: [...set] },
  };
}

export interface SeccompOverride {
  mode: "retain" | "remove";
  errno?: string;
  set: string[];
}

/**
 * `--seccomp=mode=retain|remove[,errno=ENAME],syscall,@wildcard...` as rkt reads it: items
 * with one `=` are options (`mode`, `errno`; anything else is `invalid seccomp command-line
 * override`), the rest are set entries. A missing or unknown mode is `invalid seccomp mode
 * command-line override`; an empty set is `set must be non-empty`.
 */
export function seccompFromFlag(s: string): SeccompOverride {
  let mode: string | undefined;
  let errno: string | undefined;
  const set: string[] = [];
  for (const item of s.split(",")) {
    const kv = item.split("=");
    if (kv.length === 2) {
      const [k, v] = kv as [string, string];
      if (k === "mode") {
        if (v !== "retain" && v !== "remove") throw new AppcError("invalid seccomp mode command-line override");
        mode = v;
      } else if (k === "errno") {
        errno = v;
      } else {
        throw new AppcError("invalid seccomp command-line override");
      }
    } else {
      set.push(item);
    }
  }
  if (mode !== "retain" && mode !== "remove") throw new AppcError("invalid seccomp mode command-line override");
  if (set.length === 0 || (set.length === 1 && set[0] === "")) throw new AppcError("set must be non-empty");
  for (const e of set) {
    const p = seccompEntryProblem(e, true);
    if (p) throw new AppcError(p);
  }
  if (errno !== undefined && errno !== "") {
    const p = errnoProblem(errno);
    if (p) throw new AppcError(p);
  }
  return errno ? { mode, errno, set } : { mode, set };
}

/** The isolator for a --seccomp override (it replaces any seccomp isolator of the image). */
export function seccompIsolator(o: SeccompOverride): Isolator {
  const value: { set: string[]; errno?: string } = { set: [...o.set] };
  if (o.errno) value.errno = o.errno;
  return { name: o.mode === "retain" ? IsolatorName.SeccompRetain : IsolatorName.SeccompRemove, value };
}
