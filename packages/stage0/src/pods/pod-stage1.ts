// The stage1 a pod was prepared with. enter, stop and gc use exactly that stage1 (the
// record in <pod>/stage1/plugin.json), even after a newer version was installed; a pod
// whose stage1 has gone still lists, and gc/rm still delete it (without the stage1's gc).
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { checkStage1Package, readStage1Package, stage1Label, type Stage1Package } from "../stage1/package-info.js";
import { builtinStage1s, loadStage1, type LoadedStage1 } from "../stage1/registry.js";
import { readStage1Record, type Stage1Record } from "./layout.js";
import { stage1Logger } from "./prepare.js";
import type { Pod } from "./pods.js";

/** How messages name a recorded stage1. */
export function describeStage1Record(record: Stage1Record): string {
  if (record.kind === "image") return `the stage1 image ${record.name}${record.version ? `:${record.version}` : ""} (${record.imageKey})`;
  return `${stage1Label(record)} at ${record.location}`;
}

/** The package that runs a recorded stage1, or an error that says what is missing. */
export function recordedStage1Package(ctx: RktContext, pod: Pod, record: Stage1Record): Stage1Package {
  if (record.kind === "image") {
    // The image's root filesystem is the pod's own copy; only the bridge is needed.
    const bridge = builtinStage1s("bridge").find((c) => c.pkg?.bridge);
    if (!bridge?.pkg) throw new RktError(`pod ${pod.uuid} runs ${describeStage1Record(record)}, but this rkt has no stage1 bridge plugin`);
    return bridge.pkg;
  }
  let pkg: Stage1Package;
  try {
    pkg = readStage1Package(record.location);
  } catch {
    throw new RktError(`the stage1 of pod ${pod.uuid} (${describeStage1Record(record)}) is no longer installed`);
  }
  if (pkg.name !== record.name || pkg.version !== record.version) {
    // A builtin moves on with rkt itself: an upgraded rkt carries the flavor's new version
    // at the same place, and the old one is gone for good. Use the new one when it still
    // speaks this rkt's protocol (checked at load), and say so.
    if (record.builtin && pkg.name === record.name) {
      ctx.reporter.warn(`pod ${pod.uuid} was prepared with stage1 ${stage1Label(record)}; using the builtin ${stage1Label(pkg)}`);
      return pkg;
    }
    throw new RktError(`the stage1 of pod ${pod.uuid} was ${stage1Label(record)}, but ${record.location} now holds ${stage1Label(pkg)}`);
  }
  return pkg;
}

export async function loadPodStage1(ctx: RktContext, pod: Pod): Promise<LoadedStage1> {
  const record = readStage1Record(pod);
  if (!record) throw new RktError(`pod ${pod.uuid} has no record of its stage1 (it was never fully prepared)`);
  const pkg = recordedStage1Package(ctx, pod, record);
  try {
    checkStage1Package(pkg);
  } catch (err) {
    throw new RktError(`the stage1 of pod ${pod.uuid} cannot be loaded: ${(err as Error).message}`);
  }
  return loadStage1(pkg, { logger: stage1Logger(ctx), dataDir: ctx.dataDir });
}

/** Pods (other than garbage) prepared with the stage1 installed at `location`. */
export function podsUsingStage1(ctx: RktContext, location: string): { uuid: string; state: string }[] {
  const out: { uuid: string; state: string }[] = [];
  for (const pod of ctx.pods.list()) {
    if (pod.dirState === "garbage" || pod.dirState === "exited-garbage") continue;
    const record = readStage1Record(pod);
    if (record?.kind === "plugin" && record.location === location) out.push({ uuid: pod.uuid, state: pod.state() });
  }
  return out;
}
