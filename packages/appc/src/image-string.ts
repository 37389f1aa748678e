// Image strings in appc discovery syntax (discovery/parse.go NewAppFromString):
// `name[:version][,label=value...]`, e.g. `example.com/app:1.0,os=linux,arch=amd64`.
import { AppcError } from "./errors.js";
import { acIdentifierProblem } from "./names.js";

export interface ImageString {
  /** The image name, an AC Identifier. */
  name: string;
  /** Requested labels, including `version` when given after `:`. */
  labels: Record<string, string>;
}

/**
 * Parses `name[:version][,label=value...]`. A colon may appear once, right after the name;
 * every other part must be `label=value` with an AC Identifier label name, given once.
 */
export function parseImageString(s: string): ImageString {
  const firstComma = s.indexOf(",");
  const firstColon = s.indexOf(":");
  if (firstComma > -1 && firstColon > firstComma) {
    throw new AppcError("malformed app string - colon may appear only right after the app name");
  }
  if (s.split(":").length - 1 > 1) throw new AppcError("malformed app string - colon may appear at most once");
  const prepared = "name=" + s.replace(":", ",version=");
  const values = new Map<string, string>();
  for (const part of prepared.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) throw new AppcError(`malformed string ${JSON.stringify(prepared)} - has a label without a value: ${part}`);
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (values.has(key)) throw new AppcError(`label ${key} with multiple values ${JSON.stringify([values.get(key), value])}`);
    values.set(key, value);
  }
  const name = values.get("name") ?? "";
  values.delete("name");
  const labels: Record<string, string> = {};
  for (const [k, v] of values) {
    const p = acIdentifierProblem(k);
    if (p) throw new AppcError(`bad label name ${JSON.stringify(k)}: ${p}`);
    labels[k] = v;
  }
  const p = acIdentifierProblem(name);
  if (p) throw new AppcError(`bad image name ${JSON.stringify(name)}: ${p}`);
  return { name, labels };
}

/** Formats an image string back: `name[,version=v][,os=..][,arch=..][,other=...]`. */
export function formatImageString(img: ImageString): string {
  let s = img.name;
  const order = ["version", "os", "arch"];
  for (const k of order) if (img.labels[k] !== undefined) s += `,${k}=${img.labels[k]}`;
  for (const k of Object.keys(img.labels).sort()) if (!order.includes(k)) s += `,${k}=${img.labels[k]}`;
  return s;
}
