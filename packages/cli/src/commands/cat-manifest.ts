// rkt cat-manifest: print a pod's manifest.
import { readFileSync } from "node:fs";
import type { CommandContext } from "../command.js";
import { rktContext } from "./context.js";
import { podArgs } from "./uuid.js";
import { RktError } from "@rkt/stage0";

export async function run(ctx: CommandContext): Promise<number> {
  // As rkt's cat-manifest: with --uuid-file, arguments are not looked at.
  const [id] = podArgs(ctx, { single: true, uuidFileWins: true });
  const rkt = rktContext(ctx);
  const pod = rkt.pods.find(id!);
  let text: string;
  try {
    text = readFileSync(pod.file("pod"), "utf8");
  } catch {
    throw new RktError(`pod ${JSON.stringify(pod.uuid)} has no manifest (it is not prepared yet)`);
  }
  ctx.out.line(ctx.flags.bool("pretty-print") ? JSON.stringify(JSON.parse(text), null, "\t") : text);
  return 0;
}
