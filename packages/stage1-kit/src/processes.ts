// A pod's processes as a stage1 finds them from the host: by the pids the pod recorded, and
// by signals that say whether the process was still there.
import { readFileSync } from "node:fs";

/** The pid in a pid file (decimal text); undefined when the file is missing or holds none. */
export function readPid(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Sends a signal (to a process group for a negative pid); false when there is no such process. */
export function sendSignal(pid: number | undefined, sig: NodeJS.Signals): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
