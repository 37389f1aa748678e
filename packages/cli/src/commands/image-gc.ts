// rkt image gc: collect unused rendered trees and images unused for the grace period.
import { collectImageGarbage } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { rktContext } from "./context.js";

export async function run(ctx: CommandContext): Promise<number> {
  const rkt = rktContext(ctx);
  let errors = 0;
  collectImageGarbage(rkt, ctx.flags.duration("grace-period"), {
    removedTree: (id) => ctx.out.error(`removed treestore ${JSON.stringify(id)}`),
    removedImage: (key, name) => ctx.out.error(`successfully removed aci for image: ${JSON.stringify(key)} (${name})`),
    removedBlobs: (digests) => ctx.out.debug(`removed ${digests.length} unused blob(s): ${digests.join(", ")}`),
    error: (m) => {
      errors++;
      ctx.out.error(m);
    },
  });
  rkt.close();
  return errors > 0 ? 254 : 0;
}
