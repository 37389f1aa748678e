// rkt image cat-manifest: print an image's manifest as stored.
import { resolveStoredImage } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";
import { rktContext } from "./context.js";

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length !== 1) throw new UsageError("exactly one image ID or name is required");
  const rkt = rktContext(ctx);
  const rec = rkt.store.get(resolveStoredImage(rkt.store, ctx.args[0]!));
  const text = rec.manifestBytes.toString("utf8");
  ctx.out.line(ctx.flags.bool("pretty-print") ? JSON.stringify(JSON.parse(text), null, "\t") : text);
  rkt.close();
  return 0;
}
