// rkt enter: run a command inside a running pod's app, through its stage1.
import { enterPod } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";
import { rktContext } from "./context.js";

export async function run(ctx: CommandContext): Promise<number> {
  // Flags stop at the pod's UUID: everything after it is the command and its own flags.
  const [id, ...words] = [...ctx.args, ...ctx.rest];
  if (!id) throw new UsageError("a pod UUID is required");
  let command = words[0] === "--" ? words.slice(1) : words;
  if (command.length === 0) {
    ctx.out.error(`no command specified, assuming "/bin/bash"`);
    command = ["/bin/bash"];
  }
  const rkt = rktContext(ctx);
  await enterPod(rkt, rkt.pods.find(id), { app: ctx.flags.has("app") ? ctx.flags.string("app") : undefined, command });
  rkt.close();
  return 0;
}
