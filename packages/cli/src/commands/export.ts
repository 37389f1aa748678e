// rkt export: an ACI of an app of an exited pod.
import { exportPodApp } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";
import { rktContext } from "./context.js";

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length !== 2) throw new UsageError("a pod UUID and an output file (OUTPUT.aci) are required");
  const [uuid, out] = ctx.args as [string, string];
  const rkt = rktContext(ctx);
  exportPodApp(rkt, rkt.pods.find(uuid), {
    app: ctx.flags.has("app") ? ctx.flags.string("app") : undefined,
    out,
    overwrite: ctx.flags.bool("overwrite"),
  });
  rkt.close();
  return 0;
}
