// The stage1 a pod was prepared with. enter, stop and gc use exactly that package (name,
// version and location recorded in the pod), even after a newer version was installed.
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { readStage1Package } from "../stage1/package-info.js";
import { loadStage1, type LoadedStage1 } from "../stage1/registry.js";
import { readStage1Record } from "./layout.js";
import { stage1Logger } from "./prepare.js";
import type { Pod } from "./pods.js";

export async function loadPodStage1(ctx: RktContext, pod: Pod): Promise<LoadedStage1> {
  const record = readStage1Record(pod);
  if (!record) throw new RktError(`pod ${pod.uuid} has no record of its stage1 (it was never fully prepared)`);
  let pkg;
  try {
    pkg = readStage1Package(record.location);
  } catch {
    throw new RktError(
      `the stage1 of pod ${pod.uuid} (${record.name}@${record.version} at ${record.location}) is no longer installed`,
    );
  }
  if (pkg.name !== record.name || pkg.version !== record.version) {
    throw new RktError(
      `the stage1 of pod ${pod.uuid} was ${record.name}@${record.version}, but ${record.location} now holds ${pkg.name}@${pkg.version}`,
    );
  }
  return loadStage1(pkg, { logger: stage1Logger(ctx), dataDir: ctx.dataDir });
}
