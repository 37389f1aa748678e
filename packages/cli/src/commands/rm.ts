// rkt rm: remove pods now (no grace period); running and preparing pods are refused.
import { removePod } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { forEachPod } from "./uuid.js";

export async function run(ctx: CommandContext): Promise<number> {
  return forEachPod(ctx, "remove", async (rkt, pod) => {
    await removePod(rkt, pod, { stdout: (l) => ctx.out.line(l), stderr: (l) => ctx.out.error(l) });
    ctx.out.line(JSON.stringify(pod.uuid));
  });
}
