// rkt prepare: everything up to "prepared"; prints the pod's UUID.
import { finishPrepare, preparePod } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { rktContext } from "./context.js";
import { parseApps, prepareRequest } from "./pod-flags.js";

export async function run(ctx: CommandContext): Promise<number> {
  const line = parseApps(ctx);
  const request = prepareRequest(line, { interactive: false });
  const rkt = rktContext({ ...ctx, global: line.global });
  const prepared = await preparePod(rkt, request);
  finishPrepare(prepared);
  ctx.out.line(prepared.pod.uuid);
  rkt.close();
  return 0;
}
