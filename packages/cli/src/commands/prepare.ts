// rkt prepare: everything up to "prepared"; prints the pod's UUID.
import { finishPrepare, preparePod } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { rktContext } from "./context.js";
import { prepareRequest } from "./pod-flags.js";

export async function run(ctx: CommandContext): Promise<number> {
  const request = prepareRequest(ctx, { interactive: false });
  const rkt = rktContext(ctx);
  const prepared = await preparePod(rkt, request);
  finishPrepare(prepared);
  ctx.out.line(prepared.pod.uuid);
  rkt.close();
  return 0;
}
