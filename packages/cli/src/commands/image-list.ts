// rkt image list: the store's images as a table or JSON, rkt's columns and formats.
import type { ImageRecord } from "@rkt/store";
import { labelValue, shortId } from "@rkt/store";
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";
import { goTime, humanizeBytes, humanizeTime, jsonStringify, nanos } from "../format.js";
import { formatTable } from "../output.js";
import { rktContext } from "./context.js";

const FIELDS = ["id", "name", "size", "importtime", "lastused"] as const;
type Field = (typeof FIELDS)[number];
const HEADERS: Record<Field, string> = { id: "ID", name: "NAME", size: "SIZE", importtime: "IMPORT TIME", lastused: "LAST USED" };
const SORTABLE: Field[] = ["name", "importtime", "lastused", "size"];

export function imageDisplayName(rec: ImageRecord): string {
  const version = labelValue(rec.labels, "version");
  return version ? `${rec.name}:${version}` : rec.name;
}

function parseFields(value: string): Field[] {
  return value.split(",").map((f) => {
    const name = f.trim().toLowerCase() as Field;
    if (!FIELDS.includes(name)) throw new UsageError(`unknown field ${JSON.stringify(f)}: choose from ${FIELDS.join(", ")}`, false);
    return name;
  });
}

export async function run(ctx: CommandContext): Promise<number> {
  const fields = parseFields(ctx.flags.string("fields"));
  const sortBy = ctx.flags.list("sort").length ? ctx.flags.list("sort").flatMap((s) => s.split(",")) : ["importtime"];
  for (const s of sortBy) if (!SORTABLE.includes(s as Field)) throw new UsageError(`cannot sort by ${JSON.stringify(s)}: choose from ${SORTABLE.join(", ")}`, false);
  const order = ctx.flags.string("order");
  if (order !== "asc" && order !== "desc") throw new UsageError(`--order must be asc or desc, not ${JSON.stringify(order)}`, false);
  const format = ctx.flags.string("format");
  const full = ctx.flags.bool("full");

  const rkt = rktContext(ctx);
  const store = rkt.store;
  const images = store.list().map((rec) => ({ rec, size: rec.size + rec.treeSize }));
  const key = (img: (typeof images)[number], f: string): string | number =>
    f === "name" ? imageDisplayName(img.rec) : f === "size" ? img.size : f === "lastused" ? img.rec.lastUsed : img.rec.importTime;
  images.sort((a, b) => {
    for (const f of sortBy) {
      const x = key(a, f);
      const y = key(b, f);
      if (x < y) return order === "asc" ? -1 : 1;
      if (x > y) return order === "asc" ? 1 : -1;
    }
    return 0;
  });

  if (format === "json" || format === "json-pretty") {
    const list = images.map(({ rec, size }) => ({
      id: rec.key,
      name: imageDisplayName(rec),
      import_time: nanos(rec.importTime),
      last_used_time: nanos(rec.lastUsed),
      size,
    }));
    ctx.out.line(jsonStringify(list, format === "json-pretty"));
    return 0;
  }
  if (format !== "") throw new UsageError(`unknown format ${JSON.stringify(format)}: use json or json-pretty`, false);

  const rows: string[][] = [];
  if (!ctx.flags.bool("no-legend")) rows.push(fields.map((f) => HEADERS[f]));
  for (const { rec, size } of images) {
    rows.push(
      fields.map((f) => {
        switch (f) {
          case "id":
            return full ? rec.key : shortId(rec.key, 12);
          case "name":
            return imageDisplayName(rec);
          case "size":
            return full ? String(size) : humanizeBytes(size);
          case "importtime":
            return full ? goTime(new Date(rec.importTime)) : humanizeTime(new Date(rec.importTime));
          case "lastused":
            return full ? goTime(new Date(rec.lastUsed)) : humanizeTime(new Date(rec.lastUsed));
        }
      }),
    );
  }
  ctx.out.stdout(formatTable(rows));
  return 0;
}
