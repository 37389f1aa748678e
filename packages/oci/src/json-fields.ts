// Reading untrusted JSON documents (manifests, indexes, configs) field by field, so that
// every error names the document and the exact field (`layers[2].digest`).
import { digestProblem, type Digest } from "./digest.js";
import { OciFormatError } from "./errors.js";

export type Json = Record<string, unknown>;

/** Largest manifest, index or config accepted (registries cap manifests at 4 MiB too). */
export const MAX_DOCUMENT_BYTES = 4 << 20;

export class Fields {
  constructor(readonly file: string) {}

  fail(field: string, problem: string): never {
    throw new OciFormatError(this.file, field, problem);
  }

  /** Parses a whole document, which must be a JSON object. */
  parse(bytes: Buffer): Json {
    if (bytes.length > MAX_DOCUMENT_BYTES) this.fail("", `larger than ${MAX_DOCUMENT_BYTES} bytes`);
    let v: unknown;
    try {
      v = JSON.parse(bytes.toString("utf8"));
    } catch (err) {
      this.fail("", `not valid JSON (${(err as Error).message})`);
    }
    return this.object(v, "");
  }

  object(v: unknown, field: string): Json {
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail(field, "must be a JSON object");
    return v as Json;
  }

  optObject(o: Json, key: string, field: string): Json | undefined {
    const v = o[key];
    return v === undefined || v === null ? undefined : this.object(v, field);
  }

  string(o: Json, key: string, field: string): string {
    const v = o[key];
    if (v === undefined) this.fail(field, "is missing");
    if (typeof v !== "string") this.fail(field, "must be a string");
    return v;
  }

  optString(o: Json, key: string, field: string): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") this.fail(field, "must be a string");
    return v;
  }

  digest(o: Json, key: string, field: string): Digest {
    const v = o[key];
    if (v === undefined) this.fail(field, "is missing");
    const p = digestProblem(v);
    if (p) this.fail(field, p);
    return v as Digest;
  }

  size(o: Json, key: string, field: string): number {
    const v = o[key];
    if (v === undefined) this.fail(field, "is missing");
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) this.fail(field, "must be a non-negative integer");
    return v;
  }

  array(o: Json, key: string, field: string, max: number): unknown[] {
    const v = o[key];
    if (v === undefined) this.fail(field, "is missing");
    if (!Array.isArray(v)) this.fail(field, "must be a JSON array");
    if (v.length > max) this.fail(field, `has ${v.length} entries; at most ${max} are accepted`);
    return v;
  }

  /** An array of strings; JSON null and absence are `undefined` (Docker writes `"Cmd": null`). */
  optStrings(o: Json, key: string, field: string): string[] | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) this.fail(field, "must be an array of strings");
    v.forEach((s, i) => {
      if (typeof s !== "string") this.fail(`${field}[${i}]`, "must be a string");
    });
    return v as string[];
  }

  /** A map of strings to strings (labels, annotations). */
  optStringMap(o: Json, key: string, field: string): Record<string, string> | undefined {
    const m = this.optObject(o, key, field);
    if (!m) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(m)) {
      if (typeof v !== "string") this.fail(`${field}.${k}`, "must be a string");
      out[k] = v;
    }
    return out;
  }

  /** The keys of a map whose values are ignored (`ExposedPorts`, `Volumes`: `{"80/tcp": {}}`). */
  optKeys(o: Json, key: string, field: string): string[] | undefined {
    const m = this.optObject(o, key, field);
    return m ? Object.keys(m) : undefined;
  }
}
