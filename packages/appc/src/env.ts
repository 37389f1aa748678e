// Environment variables: the name rule of appc (letters, digits and `_`, not starting with
// a digit), `K=V` flag values, and the `--set-env-file` format.
import type { NameValue } from "@rkt/stage1-api";
import { AppcError, ManifestError } from "./errors.js";

const ENV_NAME = /^[A-Za-z_][A-Za-z_0-9]*$/;

/** Why `name` is not an environment variable name appc accepts, or undefined. */
export function envNameProblem(name: string): string | undefined {
  if (name === "") return "environment variable name must not be empty";
  if (!ENV_NAME.test(name)) {
    return `environment variable does not have valid identifier ${JSON.stringify(name)} (letters, digits and "_", not starting with a digit)`;
  }
  return undefined;
}

export function isValidEnvName(name: string): boolean {
  return envNameProblem(name) === undefined;
}

/** Parses `NAME=VALUE` (`--set-env`, `--environment`); the value may contain `=`. */
export function parseEnvLine(line: string): NameValue {
  const eq = line.indexOf("=");
  if (eq <= 0) throw new AppcError(`environment variable must be specified as name=value, got ${JSON.stringify(line)}`);
  const name = line.slice(0, eq);
  const p = envNameProblem(name);
  if (p) throw new AppcError(p);
  return { name, value: line.slice(eq + 1) };
}

/**
 * Parses the text of a `--set-env-file`: one `NAME=VALUE` per line; empty lines and lines
 * starting with `#` or `;` are skipped. A malformed line or a name given twice throws a
 * ManifestError naming `file` and the line (`env.conf: line 3: ...`).
 */
export function parseEnvFile(text: string, file: string): NameValue[] {
  const out: NameValue[] = [];
  const seen = new Set<string>();
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  lines.forEach((raw, i) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const where = `line ${i + 1}`;
    let nv: NameValue;
    try {
      nv = parseEnvLine(line);
    } catch (err) {
      throw new ManifestError(where, (err as Error).message, file);
    }
    if (seen.has(nv.name)) throw new ManifestError(where, `environment variable ${JSON.stringify(nv.name)} already set`, file);
    seen.add(nv.name);
    out.push(nv);
  });
  return out;
}
