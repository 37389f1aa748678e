// rkt api-service: rkt's read-only gRPC API, served by @rkt/api-service.
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";
import { execService } from "./service.js";

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(ctx.args[0])}`);
  return execService(ctx, "@rkt/api-service", { listen: ctx.flags.string("listen") });
}
