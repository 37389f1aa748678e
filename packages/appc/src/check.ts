// Small type checks shared by the manifest validators. Every check names the JSON path of
// the value it rejects. Keys are looked up the way Go's encoding/json does (an exact match,
// else a case-insensitive one), so a manifest is never accepted here that appc would reject.
import { fail } from "./errors.js";

export type JsonObject = Record<string, unknown>;

export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `a` + `b` as a JSON path. */
export function at(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

export function atIndex(base: string, i: number): string {
  return `${base}[${i}]`;
}

/** Finds `key` in `obj`: exact match first, else the first key equal ignoring case. */
export function lookup(obj: JsonObject, key: string): { key: string; value: unknown } | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, key)) return { key, value: obj[key] };
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) {
    if (k.toLowerCase() === lower) return { key: k, value: obj[k] };
  }
  return undefined;
}

/** The value at `key` with its path; absent and null both come back as undefined. */
export function member(obj: JsonObject, key: string, base: string): { path: string; value: unknown } {
  const hit = lookup(obj, key);
  if (!hit) return { path: at(base, key), value: undefined };
  return { path: at(base, hit.key), value: hit.value === null ? undefined : hit.value };
}

export function expectObject(v: unknown, path: string, what = "an object"): JsonObject {
  if (!isObject(v)) fail(path, `must be ${what}, got ${typeName(v)}`);
  return v;
}

export function optString(obj: JsonObject, key: string, base: string): { path: string; value: string | undefined } {
  const m = member(obj, key, base);
  if (m.value !== undefined && typeof m.value !== "string") fail(m.path, `must be a string, got ${typeName(m.value)}`);
  return m as { path: string; value: string | undefined };
}

/** A string that must be present and non-empty. */
export function reqString(obj: JsonObject, key: string, base: string, hint?: string): { path: string; value: string } {
  const m = optString(obj, key, base);
  if (m.value === undefined || m.value === "") fail(m.path, `is required${hint ? ` (${hint})` : ""}`);
  return m as { path: string; value: string };
}

export function optBool(obj: JsonObject, key: string, base: string): boolean | undefined {
  const m = member(obj, key, base);
  if (m.value !== undefined && typeof m.value !== "boolean") fail(m.path, `must be true or false, got ${typeName(m.value)}`);
  return m.value as boolean | undefined;
}

export function expectInt(v: unknown, path: string, min?: number, max?: number): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    fail(path, `must be an integer, got ${typeof v === "number" ? String(v) : typeName(v)}`);
  }
  if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
    const range = max === undefined ? `>= ${min}` : min === undefined ? `<= ${max}` : `between ${min} and ${max}`;
    fail(path, `must be ${range}, got ${v}`);
  }
  return v;
}

export function optInt(obj: JsonObject, key: string, base: string, min?: number, max?: number): { path: string; value: number | undefined } {
  const m = member(obj, key, base);
  if (m.value === undefined) return { path: m.path, value: undefined };
  return { path: m.path, value: expectInt(m.value, m.path, min, max) };
}

export function optArray(obj: JsonObject, key: string, base: string): { path: string; value: unknown[] | undefined } {
  const m = member(obj, key, base);
  if (m.value !== undefined && !Array.isArray(m.value)) fail(m.path, `must be a list, got ${typeName(m.value)}`);
  return m as { path: string; value: unknown[] | undefined };
}

/** `{ "key": "string", ... }` (userAnnotations, userLabels, sysctl values). */
export function optStringMap(obj: JsonObject, key: string, base: string): Record<string, string> | undefined {
  const m = member(obj, key, base);
  if (m.value === undefined) return undefined;
  return expectStringMap(m.value, m.path);
}

export function expectStringMap(v: unknown, path: string): Record<string, string> {
  const o = expectObject(v, path, "an object of strings");
  for (const [k, val] of Object.entries(o)) {
    if (typeof val !== "string") fail(`${path}[${JSON.stringify(k)}]`, `must be a string, got ${typeName(val)}`);
  }
  return o as Record<string, string>;
}

/** A list of strings; each must be non-empty unless `allowEmpty`. */
export function expectStringList(v: unknown, path: string, allowEmpty = false): string[] {
  if (!Array.isArray(v)) fail(path, `must be a list of strings, got ${typeName(v)}`);
  v.forEach((s, i) => {
    if (typeof s !== "string") fail(atIndex(path, i), `must be a string, got ${typeName(s)}`);
    if (!allowEmpty && s === "") fail(atIndex(path, i), "must not be empty");
  });
  return v as string[];
}

/** POSIX-style absolute path check (what Go's path.IsAbs does). */
export function isAbsPath(p: string): boolean {
  return p.startsWith("/");
}
