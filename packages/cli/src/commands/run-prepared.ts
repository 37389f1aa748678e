// rkt run-prepared: start a prepared pod with the stage1 it was prepared with.
import { runPreparedPod } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { rktContext } from "./context.js";
import { parseNet } from "./net-flags.js";
import { parseDns, parseIpc } from "./runtime-flags.js";
import { podArgs } from "./uuid.js";

export async function run(ctx: CommandContext): Promise<number> {
  const [id] = podArgs(ctx, { single: true });
  const rkt = rktContext(ctx);
  const pod = rkt.pods.find(id!);
  const net = parseNet(ctx.flags.list("net"));
  const ipc = parseIpc(ctx.flags.string("ipc"));
  const dns = parseDns(ctx.flags);
  await runPreparedPod(
    rkt,
    pod,
    {
      interactive: ctx.flags.bool("interactive"),
      hostname: ctx.flags.has("hostname") ? ctx.flags.string("hostname") : undefined,
      net: net ?? [{ name: "default" }],
      ipc,
      mdsRegister: ctx.flags.bool("mds-register"),
      ...dns,
    },
    net?.map((n) => n.name),
  );
  rkt.close();
  return 0;
}
