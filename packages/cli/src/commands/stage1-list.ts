// rkt stage1 list: every stage1 plugin this rkt can run (builtins and installed versions)
// with its protocol range and whether it can load, like containerd's `ctr plugins ls`.
// Nothing is imported: the status is what can be checked before loading (package.json,
// protocol range, entry). Sorted by name, newest version first.
import { allStage1s } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";
import { jsonStringify } from "../format.js";
import { formatTable } from "../output.js";
import { rktContext } from "./context.js";

export async function run(ctx: CommandContext): Promise<number> {
  const format = ctx.flags.string("format");
  if (format !== "" && format !== "json" && format !== "json-pretty") {
    throw new UsageError(`unknown format ${JSON.stringify(format)}: use json or json-pretty`, false);
  }
  const rkt = rktContext(ctx);
  const rows = allStage1s(rkt.dataDir).map((c) => ({
    name: c.pkg?.name ?? c.name ?? "-",
    version: c.pkg?.version ?? c.version ?? "-",
    protocol: c.pkg?.protocol ?? "-",
    location: c.location,
    builtin: c.builtin,
    status: c.error ?? "ok",
  }));
  if (format !== "") {
    ctx.out.line(jsonStringify(rows, format === "json-pretty"));
    return 0;
  }
  const table: string[][] = ctx.flags.bool("no-legend") ? [] : [["NAME", "VERSION", "PROTOCOL", "LOCATION", "STATUS"]];
  for (const r of rows) table.push([r.name, r.version, r.protocol, r.location, r.status]);
  ctx.out.stdout(formatTable(table));
  return 0;
}
