// rkt gc and rkt rm. A pod is only ever touched when its lock is free: a running pod holds
// it, and so does a pod being prepared or deleted. Moves are atomic renames; a rename that
// loses a race (another gc got there first) is ignored, so two gc runs never trip over
// each other and a failed gc can simply be run again.
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { takeLock } from "../locks.js";
import { loadPodStage1 } from "./pod-stage1.js";
import { podContext } from "./layout.js";
import { hasNetworkState } from "@rkt/net";
import { unregisterPod } from "./metadata.js";
import { releasePodNetwork } from "./network.js";
import type { Pod, PodDir } from "./pods.js";
import { removePodDir } from "./remove.js";
import { statSync } from "node:fs";

export interface GcOptions {
  gracePeriodMs: number;
  expirePreparedMs: number;
  markOnly: boolean;
  /** Go-formatted grace period for messages ("30m0s"). */
  graceLabel: string;
}

export interface GcReport {
  stdout(line: string): void;
  stderr(line: string): void;
}

function tryMove(pod: Pod, to: PodDir): boolean {
  try {
    pod.moveTo(to);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTEMPTY" || code === "EEXIST") return false;
    throw err;
  }
}

function ctimeMs(pod: Pod): number | undefined {
  try {
    return statSync(pod.dir).ctimeMs;
  } catch {
    return undefined;
  }
}

export async function collectGarbage(ctx: RktContext, opts: GcOptions, report: GcReport): Promise<number> {
  const repo = ctx.pods;
  repo.ensureDirs();
  let failures = 0;
  for (const pod of repo.list()) {
    const state = pod.state();
    if (state === "exited") {
      report.stderr(`moving pod ${JSON.stringify(pod.uuid)} to garbage`);
      tryMove(pod, "exited-garbage");
    } else if (state === "aborted prepare") {
      report.stderr(`moving failed prepare ${JSON.stringify(pod.uuid)} to garbage`);
      tryMove(pod, "garbage");
    }
  }
  // A dead pod's network serves no one: its address, forwards and namespace go at the first
  // gc, not with the pod directory after the grace period (rkt waited). Its records stay, so
  // rkt status still says which address it had.
  for (const pod of repo.list()) {
    if (pod.dirState === "exited-garbage" && hasNetworkState(pod.dir)) await releaseDeadPodNetwork(ctx, pod, report);
  }
  if (opts.markOnly) return 0;
  const now = Date.now();
  for (const pod of repo.list()) {
    if (pod.dirState !== "prepared") continue;
    const ctime = ctimeMs(pod);
    if (ctime !== undefined && (opts.expirePreparedMs <= 0 || ctime + opts.expirePreparedMs <= now)) {
      report.stderr(`moving expired prepared pod ${JSON.stringify(pod.uuid)} to garbage`);
      tryMove(pod, "garbage");
    }
  }
  for (const pod of repo.list()) {
    if (pod.dirState === "exited-garbage") {
      const ctime = ctimeMs(pod);
      if (ctime !== undefined && opts.gracePeriodMs > 0 && ctime + opts.gracePeriodMs > now) {
        report.stderr(`pod ${JSON.stringify(pod.uuid)} not removed: still within grace period (${opts.graceLabel})`);
        continue;
      }
    } else if (pod.dirState !== "garbage") {
      continue;
    }
    try {
      await deletePod(ctx, pod, report);
    } catch (err) {
      failures++;
      report.stderr(`unable to remove pod ${JSON.stringify(pod.uuid)}: ${(err as Error).message}`);
    }
  }
  return failures;
}

/** Deletes a pod in exited-garbage/ or garbage/ whose lock is free; false if someone holds it. */
export async function deletePod(ctx: RktContext, pod: Pod, report: GcReport): Promise<boolean> {
  let lock;
  try {
    lock = takeLock(pod.dir, { exclusive: true, block: false });
  } catch (err) {
    // Another gc deleted or moved it meanwhile.
    if ((err as { code?: string }).code === "ENOENT") return false;
    throw err;
  }
  if (!lock) return false;
  try {
    if (!pod.refresh()) return false;
    report.stdout(`Garbage collecting pod ${JSON.stringify(pod.uuid)}`);
    await forgetRegistration(pod, report);
    if (pod.dirState === "exited-garbage") await stage1Gc(ctx, pod, report);
    // After the stage1's gc (a VM's hypervisor is gone by then); from the pod's own records,
    // so it works whatever became of the pod's processes or its stage1.
    await releasePodNetwork(ctx, pod);
    await removePodDir(pod.dir);
    return true;
  } finally {
    lock.release();
  }
}

async function releaseDeadPodNetwork(ctx: RktContext, pod: Pod, report: GcReport): Promise<void> {
  let lock;
  try {
    lock = takeLock(pod.dir, { exclusive: true, block: false });
  } catch {
    return; // deleted meanwhile by another gc
  }
  if (!lock) return;
  try {
    if (pod.refresh() && pod.dirState === "exited-garbage") {
      await forgetRegistration(pod, report);
      await releasePodNetwork(ctx, pod);
    }
  } catch (err) {
    // The sweep tries again before it deletes the pod.
    report.stderr((err as Error).message);
  } finally {
    lock.release();
  }
}

/** A dead pod's metadata-service token goes (the service also drops it when the pod ends). */
async function forgetRegistration(pod: Pod, report: GcReport): Promise<void> {
  await unregisterPod(pod).catch((err: Error) => report.stderr(`warning: could not unregister pod with metadata service: ${err.message}`));
}

async function stage1Gc(ctx: RktContext, pod: Pod, report: GcReport): Promise<void> {
  try {
    const { stage1 } = await loadPodStage1(ctx, pod);
    await stage1.gc?.({
      pod: podContext(pod, (id) => ctx.store.paths.treeRootfs(id)),
      debug: ctx.debug,
      localConfigDir: ctx.configDirs.local,
    });
  } catch (err) {
    report.stderr(`problem performing stage1 GC on ${JSON.stringify(pod.uuid)}: ${(err as Error).message}`);
  }
}

/** rkt rm: removes one pod now, whatever its grace period; running and preparing pods are refused. */
export async function removePod(ctx: RktContext, pod: Pod, report: GcReport): Promise<void> {
  const quoted = JSON.stringify(pod.uuid);
  switch (pod.state()) {
    case "running":
      throw new RktError(`pod ${quoted} is currently running`);
    case "embryo":
    case "preparing":
      throw new RktError(`pod ${quoted} is currently being prepared`);
    case "deleting":
    case "exited deleting":
      throw new RktError(`pod ${quoted} is currently being deleted`);
    case "gone":
      throw new RktError(`no matches found for ${quoted}`);
    case "aborted prepare":
    case "prepared":
      tryMove(pod, "garbage");
      break;
    case "exited":
      tryMove(pod, "exited-garbage");
      break;
    default:
      break;
  }
  const silent: GcReport = { stdout: () => {}, stderr: (l) => report.stderr(l) };
  if (!(await deletePod(ctx, pod, silent))) throw new RktError(`pod ${quoted} is currently being deleted`);
}
