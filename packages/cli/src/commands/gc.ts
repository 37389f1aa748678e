// rkt gc: mark exited and failed pods as garbage, and delete old garbage.
import { collectGarbage } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { formatDuration } from "../flags.js";
import { rktContext } from "./context.js";

export async function run(ctx: CommandContext): Promise<number> {
  const rkt = rktContext(ctx);
  const grace = ctx.flags.duration("grace-period");
  const failures = await collectGarbage(
    rkt,
    {
      gracePeriodMs: grace,
      graceLabel: formatDuration(grace),
      expirePreparedMs: ctx.flags.duration("expire-prepared"),
      markOnly: ctx.flags.bool("mark-only"),
    },
    { stdout: (l) => ctx.out.line(l), stderr: (l) => ctx.out.error(l) },
  );
  rkt.close();
  return failures > 0 ? 254 : 0;
}
