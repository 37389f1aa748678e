// Finding a running pod's processes from its directory: systemd-nspawn's pid is in ppid, and
// the pod's init is nspawn's single child once that child is in a pid namespace of its own
// (while nspawn starts, its child is still its "outer child", in ours).
import type { PodContext } from "@rkt/stage1-api";
import { podLayout, Stage1Error } from "@rkt/stage1-api";
import { podInitReady, readPid } from "@rkt/stage1-kit";
import { readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

export function nspawnPid(pod: PodContext): number | undefined {
  return readPid(join(pod.dir, podLayout.ppid));
}

export function containerInit(pod: PodContext): number | undefined {
  const nspawn = nspawnPid(pod);
  if (nspawn === undefined) return undefined;
  try {
    const children = readFileSync(`/proc/${nspawn}/task/${nspawn}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    if (children.length !== 1) return undefined;
    const pid = Number(children[0]);
    return readlinkSync(`/proc/${pid}/ns/pid`) !== readlinkSync("/proc/self/ns/pid") ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until the pod's init has started every app (its ready mark); returns the init's pid. */
export async function waitReady(pod: PodContext, timeoutMs = 10_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const init = containerInit(pod);
    const ready = podInitReady(pod.stage1Root);
    if (init !== undefined && ready) return init;
    if (Date.now() > end) throw new Stage1Error(`pod ${pod.uuid} is not ready: its apps have not started (is it still starting, or stopping?)`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
