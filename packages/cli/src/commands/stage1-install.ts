// rkt stage1 install DIR|PACKAGE.tgz: a plugin version becomes selectable with
// --stage1-name=NAME[:VERSION], next to the versions already installed.
import { builtinStage1s, installStage1 } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";
import { rktContext } from "./context.js";

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length !== 1) throw new UsageError("exactly one stage1 package (a directory or a .tgz) is required");
  const rkt = rktContext(ctx);
  const builtins = builtinStage1s().flatMap((c) => (c.pkg ? [{ name: c.pkg.name, version: c.pkg.version }] : []));
  const { pkg, replaced } = await installStage1(rkt.dataDir, ctx.args[0]!, { replace: ctx.flags.bool("replace"), builtins });
  ctx.out.line(`${replaced ? "replaced" : "installed"} stage1 ${pkg.name}@${pkg.version} at ${pkg.location}`);
  rkt.close();
  return 0;
}
