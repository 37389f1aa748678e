// Pods named on the command line: unique UUID prefixes, or --uuid-file.
import type { Pod, RktContext } from "@rkt/stage0";
import { RktError } from "@rkt/stage0";
import { readFileSync } from "node:fs";
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";

export function podArgs(ctx: CommandContext, opts: { single?: boolean } = {}): string[] {
  const ids = [...ctx.args];
  if (ctx.flags.has("uuid-file")) {
    const file = ctx.flags.string("uuid-file");
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new RktError(`unable to read UUID from file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    ids.push(text.trim());
  }
  if (ids.length === 0) throw new UsageError("a pod UUID (or --uuid-file) is required");
  if (opts.single && ids.length > 1) throw new UsageError("exactly one pod UUID is required");
  return ids;
}

export function findPod(rkt: RktContext, id: string): Pod {
  return rkt.pods.find(id);
}
