// Pods named on the command line: unique UUID prefixes, or --uuid-file.
import { checkName } from "@rkt/appc";
import type { Pod, RktContext } from "@rkt/stage0";
import { RktError } from "@rkt/stage0";
import { readFileSync } from "node:fs";
import type { CommandContext } from "../command.js";
import { rktContext } from "./context.js";
import { UsageError } from "../flags.js";

export function podArgs(ctx: CommandContext, opts: { single?: boolean; uuidFileWins?: boolean } = {}): string[] {
  const ids = opts.uuidFileWins && ctx.flags.has("uuid-file") ? [] : [...ctx.args];
  if (ctx.flags.has("uuid-file")) {
    const file = ctx.flags.string("uuid-file");
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new RktError(`unable to read UUID from file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const id = text.trim();
    ids.push(id === "" ? id : checkName("pod UUID prefix", id, `--uuid-file ${file}`));
  }
  if (ids.length === 0) throw new UsageError("a pod UUID (or --uuid-file) is required");
  if (opts.single && ids.length > 1) throw new UsageError("exactly one pod UUID is required");
  return ids;
}

/**
 * Runs `action` on every pod named on the command line, reporting each failure and going
 * on with the next pod, as rkt's rm and stop do; 254 when any failed.
 */
export async function forEachPod(ctx: CommandContext, verb: string, action: (rkt: RktContext, pod: Pod) => Promise<void>): Promise<number> {
  const rkt = rktContext(ctx);
  let failed = 0;
  for (const id of podArgs(ctx)) {
    try {
      await action(rkt, rkt.pods.find(id));
    } catch (err) {
      failed++;
      ctx.out.error((err as Error).message);
    }
  }
  rkt.close();
  if (failed > 0) ctx.out.error(`failed to ${verb} one or more pods`);
  return failed > 0 ? 254 : 0;
}
