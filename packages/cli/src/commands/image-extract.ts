// rkt image extract and rkt image render.
import { extractImage, resolveStoredImage } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";
import { rktContext } from "./context.js";

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length !== 2) throw new UsageError("an image and a destination directory are required");
  const [arg, dir] = ctx.args as [string, string];
  const rkt = rktContext(ctx);
  await extractImage(rkt, resolveStoredImage(rkt.store, arg), dir, {
    mode: ctx.name === "render" ? "render" : "extract",
    rootfsOnly: ctx.flags.bool("rootfs-only"),
    overwrite: ctx.flags.bool("overwrite"),
  });
  rkt.close();
  return 0;
}
