// The per-app isolator flags of `rkt run` and `rkt prepare` (rkt/cli_apps.go): each becomes
// an isolator that replaces the image's isolator of the same name. Values are checked here,
// so a bad --memory or --seccomp fails before anything is fetched.
import {
  capsFromFlag,
  capsIsolator,
  cpuIsolatorFromFlag,
  cpuSharesIsolatorFromFlag,
  memoryIsolatorFromFlag,
  oomScoreAdjIsolatorFromFlag,
  seccompFromFlag,
  seccompIsolator,
} from "@rkt/appc";
import type { Isolator } from "@rkt/stage1-api";
import type { Flags } from "../flags.js";
import { UsageError } from "../flags.js";

export function appIsolators(flags: Flags): Isolator[] {
  const out: Isolator[] = [];
  const str = (n: string): string | undefined => (flags.has(n) ? flags.string(n) : undefined);
  const memory = str("memory");
  if (memory !== undefined) out.push(memoryIsolatorFromFlag(memory));
  const cpu = str("cpu");
  if (cpu !== undefined) out.push(cpuIsolatorFromFlag(cpu));
  const shares = str("cpu-shares");
  if (shares !== undefined) out.push(cpuSharesIsolatorFromFlag(shares));
  const oom = str("oom-score-adj");
  if (oom !== undefined) out.push(oomScoreAdjIsolatorFromFlag(oom));
  // --cap-retain and --cap-remove are rkt's deprecated spellings.
  const retain = str("caps-retain") ?? str("cap-retain");
  const remove = str("caps-remove") ?? str("cap-remove");
  if (retain !== undefined && remove !== undefined) {
    throw new UsageError("cannot use both --caps-retain and --caps-remove on the same image", false);
  }
  if (retain !== undefined) out.push(capsIsolator("retain", capsFromFlag(retain)));
  if (remove !== undefined) out.push(capsIsolator("remove", capsFromFlag(remove)));
  const seccomp = str("seccomp");
  if (seccomp !== undefined) out.push(seccompIsolator(seccompFromFlag(seccomp)));
  return out;
}
