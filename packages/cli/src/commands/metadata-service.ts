// rkt metadata-service: the appc metadata service, served by @rkt/metadata-service.
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";
import { execService } from "./service.js";

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(ctx.args[0])}`);
  const port = ctx.flags.string("listen-port");
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new UsageError(`invalid value ${JSON.stringify(port)} for --listen-port: a TCP port (1 to 65535)`, false);
  }
  return execService(ctx, "@rkt/metadata-service", { listenPort: Number(port) });
}
