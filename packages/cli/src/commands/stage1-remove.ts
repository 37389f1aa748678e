// rkt stage1 remove NAME[:VERSION]. Pods prepared with that version are not touched: as in
// rkt, a pod whose stage1 has gone still lists and can be removed (gc skips the stage1's
// own clean-up), so removal is allowed, with a warning naming them.
import { parseNameVersion, podsUsingStage1, removeStage1 } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";
import { rktContext } from "./context.js";

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length === 0) throw new UsageError("a stage1 NAME[:VERSION] is required");
  const rkt = rktContext(ctx);
  let failed = 0;
  for (const arg of ctx.args) {
    const { name, version } = parseNameVersion(arg);
    try {
      const removed = removeStage1(rkt.dataDir, name, version);
      ctx.out.line(`removed stage1 ${removed.name}@${removed.version}`);
      for (const pod of podsUsingStage1(rkt, removed.location)) {
        ctx.out.error(
          `warning: pod ${pod.uuid} (${pod.state}) was prepared with stage1 ${removed.name}@${removed.version}: it can still be listed and removed, but not entered, stopped or run`,
        );
      }
    } catch (err) {
      failed++;
      ctx.out.error((err as Error).message);
    }
  }
  rkt.close();
  return failed > 0 ? 254 : 0;
}
