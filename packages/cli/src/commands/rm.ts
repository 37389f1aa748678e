// rkt rm: remove pods now (no grace period); running and preparing pods are refused.
import { removePod } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { rktContext } from "./context.js";
import { podArgs } from "./uuid.js";

export async function run(ctx: CommandContext): Promise<number> {
  const rkt = rktContext(ctx);
  let failed = 0;
  for (const id of podArgs(ctx)) {
    try {
      const pod = rkt.pods.find(id);
      await removePod(rkt, pod, { stdout: (l) => ctx.out.line(l), stderr: (l) => ctx.out.error(l) });
      ctx.out.line(JSON.stringify(pod.uuid));
    } catch (err) {
      failed++;
      ctx.out.error((err as Error).message);
    }
  }
  rkt.close();
  if (failed > 0) ctx.out.error("failed to remove one or more pods");
  return failed > 0 ? 254 : 0;
}
