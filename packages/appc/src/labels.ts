// Labels and annotations: lists of {name, value} (appc schema/types/labels.go,
// annotations.go).
import { at, atIndex, expectObject, optString, reqString, typeName } from "./check.js";
import { fail } from "./errors.js";
import { acIdentifierProblem, sanitizeACIdentifier } from "./names.js";
import { osArchProblem } from "./os-arch.js";

/** Checks an AC Identifier at `path`, with a suggested spelling when there is one. */
export function checkACIdentifier(s: string, path: string, what = "AC Identifier"): void {
  const p = acIdentifierProblem(s);
  if (p === undefined) return;
  let hint = "";
  try {
    const fixed = sanitizeACIdentifier(s);
    if (fixed !== s) hint = ` (try ${JSON.stringify(fixed)})`;
  } catch {
    // nothing to suggest
  }
  fail(path, `${JSON.stringify(s)} is not a valid ${what}: ${p}${hint}`);
}

interface NameValueItem {
  name: string;
  value: string;
  namePath: string;
  valuePath: string;
}

/** A list of {name, value} with AC Identifier names, unique by name. */
function nameValueList(v: unknown, path: string, kind: "label" | "annotation"): NameValueItem[] {
  if (!Array.isArray(v)) fail(path, `must be a list of {"name", "value"} objects, got ${typeName(v)}`);
  const seen = new Set<string>();
  return v.map((item, i) => {
    const ip = atIndex(path, i);
    const o = expectObject(item, ip, `a {"name", "value"} object`);
    const name = reqString(o, "name", ip);
    checkACIdentifier(name.value, name.path);
    const value = optString(o, "value", ip);
    if (value.value === undefined) fail(at(ip, "value"), "is required (a string)");
    if (seen.has(name.value)) fail(name.path, `duplicate ${kind}s of name ${JSON.stringify(name.value)}`);
    seen.add(name.value);
    return { name: name.value, value: value.value, namePath: name.path, valuePath: value.path };
  });
}

/**
 * Validates labels: names are unique AC Identifiers other than `name`; well-known `os` and
 * `arch` must be a combination from appc's list. Returns them as a name → value map.
 */
export function validateLabels(v: unknown, path: string): Map<string, string> {
  const items = nameValueList(v, path, "label");
  const map = new Map<string, string>();
  for (const l of items) {
    if (l.name === "name") fail(l.namePath, `invalid label name: "name" (the image name is not a label)`);
    map.set(l.name, l.value);
  }
  const os = items.find((l) => l.name === "os");
  if (os) {
    const arch = items.find((l) => l.name === "arch");
    const p = osArchProblem(os.value, arch?.value);
    if (p) fail(p.label === "os" ? os.valuePath : arch!.valuePath, p.problem);
  }
  return map;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Validates annotations: names are unique AC Identifiers; the recognized `created` must be
 * an RFC 3339 date and `homepage`/`documentation` http(s) URLs.
 */
export function validateAnnotations(v: unknown, path: string): void {
  for (const a of nameValueList(v, path, "annotation")) {
    if (a.name === "created" && !RFC3339.test(a.value)) {
      fail(a.valuePath, `bad "created" annotation ${JSON.stringify(a.value)}: must be an RFC 3339 date, e.g. 2014-10-27T19:32:27Z`);
    }
    if ((a.name === "homepage" || a.name === "documentation") && !isHttpURL(a.value)) {
      fail(a.valuePath, `bad ${JSON.stringify(a.name)} annotation ${JSON.stringify(a.value)}: must be an http or https URL`);
    }
  }
}

function isHttpURL(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}
