// rkt image rm: remove images from the store by ID or name.
import { resolveStoredImage } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";
import { rktContext } from "./context.js";

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length === 0) throw new UsageError("at least one image ID or name is required");
  const rkt = rktContext(ctx);
  // Resolve every argument first: a name and an ID of the same image remove it once.
  const keys = new Set<string>();
  let failed = 0;
  for (const arg of ctx.args) {
    try {
      keys.add(resolveStoredImage(rkt.store, arg));
    } catch (err) {
      failed++;
      ctx.out.error((err as Error).message);
    }
  }
  const done = new Set<string>();
  for (const key of keys) {
    rkt.store.remove(key);
    done.add(key);
    ctx.out.line(`successfully removed aci for image: ${JSON.stringify(key)}`);
  }
  if (done.size > 0) ctx.out.error(`${done.size} image(s) successfully removed`);
  if (failed > 0) ctx.out.error(`${failed} image(s) cannot be removed`);
  rkt.close();
  return failed > 0 ? 254 : 0;
}
