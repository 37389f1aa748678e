// rkt image verify: check each image's rendered tree against its recorded checksum, and
// render it again when it does not match.
import { resolveStoredImage } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";
import { rktContext } from "./context.js";

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length === 0) throw new UsageError("at least one image ID or name is required");
  const rkt = rktContext(ctx);
  const store = rkt.store;
  let failed = 0;
  for (const arg of ctx.args) {
    try {
      const key = resolveStoredImage(store, arg);
      const id = store.treeIdFor(key);
      if (await store.verifyTree(id)) {
        ctx.out.line(`successfully verified checksum for image: ${JSON.stringify(arg)} (${JSON.stringify(key)})`);
        continue;
      }
      ctx.out.error(`tree cache verification failed for image ${JSON.stringify(arg)}; rebuilding tree cache`);
      store.removeTree(id);
      await store.renderTree(key);
    } catch (err) {
      failed++;
      ctx.out.error((err as Error).message);
    }
  }
  rkt.close();
  return failed > 0 ? 254 : 0;
}
