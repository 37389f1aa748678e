// The processes of a kvm pod as seen from the host: QEMU's binary, and its process, found
// only by the pid the pod recorded and only if that process's command line names the pod
// (a recycled pid must never be killed).
import type { PodContext } from "@rkt/stage1-api";
import { Stage1Error } from "@rkt/stage1-api";
import { readPid } from "@rkt/stage1-kit";
import { accessSync, constants, readFileSync } from "node:fs";
import { join } from "node:path";
import { HOST_FILES } from "./layout.js";
import { isPodQemu } from "./qemu.js";

const QEMU_BINARY = "qemu-system-x86_64";

export function findQemu(configured?: string): string {
  const dirs = (process.env.PATH ?? "").split(":").filter(Boolean);
  const candidates = configured ? [configured] : [...new Set([...dirs, "/usr/bin", "/usr/local/bin"])].map((d) => join(d, QEMU_BINARY));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  throw new Stage1Error(
    configured
      ? `the configured QEMU ${configured} is not an executable file`
      : `QEMU is not installed: install Debian's qemu-system-x86 package (scripts/setup.sh does)`,
  );
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid of the pod's QEMU while it runs; undefined when it is gone. */
export function podQemuPid(pod: PodContext): number | undefined {
  const pid = readPid(join(pod.dir, HOST_FILES.qemuPid));
  if (pid === undefined) return undefined;
  try {
    return isPodQemu(readFileSync(`/proc/${pid}/cmdline`, "utf8"), pod.uuid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until pid is gone (or a zombie); false after timeoutMs. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let state: string | undefined;
    try {
      state = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "")[0];
    } catch {
      return true;
    }
    if (state === "Z" || state === "X") return true;
    if (Date.now() > end) return false;
    await sleep(20);
  }
}
