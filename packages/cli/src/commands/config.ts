// rkt config: the merged stage0 configuration as rkt prints it.
import type { CommandContext } from "../command.js";
import { rktContext } from "./context.js";

export async function run(ctx: CommandContext): Promise<number> {
  const rkt = rktContext(ctx);
  const { config } = rkt;
  const stage0: Record<string, unknown>[] = [];
  for (const a of config.auth.values()) {
    stage0.push({ rktVersion: "v1", rktKind: "auth", domains: [a.domain], type: a.type, credentials: a.credentials });
  }
  for (const d of config.dockerAuth.values()) {
    stage0.push({ rktVersion: "v1", rktKind: "dockerAuth", registries: [d.registry], credentials: d.credentials });
  }
  stage0.push({
    rktVersion: "v1",
    rktKind: "paths",
    data: rkt.dataDir,
    ...(config.paths.stage1Images ? { "stage1-images": config.paths.stage1Images } : {}),
  });
  const s1 = config.stage1;
  if (s1.name || s1.location) {
    stage0.push({
      rktVersion: "v1",
      rktKind: "stage1",
      ...(s1.name ? { name: s1.name, version: s1.version } : {}),
      ...(s1.location ? { location: s1.location } : {}),
    });
  }
  ctx.out.line(JSON.stringify({ stage0 }, null, ctx.flags.bool("pretty-print") ? "\t" : undefined));
  return 0;
}
