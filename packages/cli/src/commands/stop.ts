// rkt stop: stop running pods through their stage1; prints each stopped pod's UUID.
import { stopPod } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { forEachPod } from "./uuid.js";

export async function run(ctx: CommandContext): Promise<number> {
  return forEachPod(ctx, "stop", async (rkt, pod) => {
    if (await stopPod(rkt, pod, ctx.flags.bool("force"))) ctx.out.line(JSON.stringify(pod.uuid));
    else ctx.out.error(`pod ${JSON.stringify(pod.uuid)} is already stopped`);
  });
}
