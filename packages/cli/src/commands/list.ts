// rkt list: one line per app, pod columns on the pod's first line, rkt's columns and formats.
import { podStatus, type PodStatus } from "@rkt/stage0";
import { shortId } from "@rkt/store";
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";
import { goTime, humanizeTime, jsonStringify } from "../format.js";
import { formatTable } from "../output.js";
import { rktContext } from "./context.js";
import { formatNets, podJson } from "./pod-info.js";

export async function run(ctx: CommandContext): Promise<number> {
  const full = ctx.flags.bool("full");
  const format = ctx.flags.string("format");
  if (format !== "" && format !== "json" && format !== "json-pretty") {
    throw new UsageError(`unknown format ${JSON.stringify(format)}: use json or json-pretty`, false);
  }
  const rkt = rktContext(ctx);
  const statuses: PodStatus[] = [];
  for (const pod of rkt.pods.list()) {
    const s = podStatus(pod);
    if (s.state !== "gone") statuses.push(s);
  }
  statuses.sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0));
  if (format !== "") {
    ctx.out.line(jsonStringify(statuses.map(podJson), format === "json-pretty"));
    return 0;
  }
  const time = (d: Date | undefined): string => (d ? (full ? goTime(d) : humanizeTime(d)) : "");
  const rows: string[][] = [];
  if (!ctx.flags.bool("no-legend")) {
    rows.push(["UUID", "APP", "IMAGE NAME", ...(full ? ["IMAGE ID"] : []), "STATE", "CREATED", "STARTED", "NETWORKS"]);
  }
  for (const s of statuses) {
    const podCols = [s.state, time(s.createdAt), time(s.startedAt), formatNets(s.networks)];
    const uuid = full ? s.uuid : s.uuid.slice(0, 8);
    if (s.apps.length === 0) {
      rows.push([uuid, "-", "-", ...(full ? ["-"] : []), ...podCols]);
      continue;
    }
    s.apps.forEach((a, i) => {
      const image = a.imageVersion ? `${a.imageName}:${a.imageVersion}` : (a.imageName ?? "");
      const cols = i === 0 ? podCols : podCols.map(() => "");
      rows.push([i === 0 ? uuid : "", a.name, image, ...(full ? [a.imageId ? shortId(a.imageId, 12) : ""] : []), ...cols]);
    });
  }
  ctx.out.stdout(formatTable(rows));
  rkt.close();
  return 0;
}
