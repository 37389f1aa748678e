// rkt stop: stop running pods through their stage1; prints each stopped pod's UUID.
import { stopPod } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { rktContext } from "./context.js";
import { podArgs } from "./uuid.js";

export async function run(ctx: CommandContext): Promise<number> {
  const rkt = rktContext(ctx);
  let failed = 0;
  for (const id of podArgs(ctx)) {
    try {
      const pod = rkt.pods.find(id);
      if (await stopPod(rkt, pod, ctx.flags.bool("force"))) ctx.out.line(JSON.stringify(pod.uuid));
      else ctx.out.error(`pod ${JSON.stringify(pod.uuid)} is already stopped`);
    } catch (err) {
      failed++;
      ctx.out.error((err as Error).message);
    }
  }
  rkt.close();
  if (failed > 0) ctx.out.error("failed to stop one or more pods");
  return failed > 0 ? 254 : 0;
}
