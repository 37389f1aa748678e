// AC Names and AC Identifiers (appc schema/types/acname.go, acidentifier.go) and the
// sanitizers rkt uses to derive app names from image names.
import { AppcError } from "./errors.js";

const AC_IDENTIFIER_BAD_CHAR = /[^a-z0-9\-._~/]/;
const AC_IDENTIFIER_BAD_EDGE = /(^[\-._~/]+)|([\-._~/]+$)/;
const AC_NAME_BAD_CHAR = /[^a-z0-9-]/;
const AC_NAME_BAD_EDGE = /(^-+)|(-+$)/;

/**
 * Why `s` is not an AC Identifier (appc's own wording), or undefined when it is one.
 * An AC Identifier is lower case alphanumerics plus `-._~/`, starting and ending with an
 * alphanumeric (e.g. `example.com/reduce-worker`).
 */
export function acIdentifierProblem(s: string): string | undefined {
  if (s.length === 0) return "ACIdentifier cannot be empty";
  if (AC_IDENTIFIER_BAD_CHAR.test(s)) {
    return 'ACIdentifier must contain only lower case alphanumeric characters plus "-._~/"';
  }
  if (AC_IDENTIFIER_BAD_EDGE.test(s)) return "ACIdentifier must start and end with only lower case alphanumeric characters";
  return undefined;
}

/**
 * Why `s` is not an AC Name, or undefined when it is one. An AC Name is lower case
 * alphanumerics plus `-`, starting and ending with an alphanumeric (e.g. `reduce-worker`).
 */
export function acNameProblem(s: string): string | undefined {
  if (s.length === 0) return "ACName cannot be empty";
  if (AC_NAME_BAD_CHAR.test(s)) return 'ACName must contain only lower case alphanumeric characters plus "-"';
  if (AC_NAME_BAD_EDGE.test(s)) return "ACName must start and end with only lower case alphanumeric characters";
  return undefined;
}

export function isACIdentifier(s: string): boolean {
  return acIdentifierProblem(s) === undefined;
}

export function isACName(s: string): boolean {
  return acNameProblem(s) === undefined;
}

/**
 * appc's SanitizeACName: lower-cases `s`, replaces every character that is not allowed in
 * an AC Name with `-` and trims dashes from both ends. Throws when nothing is left.
 */
export function sanitizeACName(s: string): string {
  const out = s.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/(^-+)|(-+$)/g, "");
  if (out === "") throw new AppcError(`cannot make an AC Name of ${JSON.stringify(s)}: must contain at least one valid character`);
  return out;
}

/**
 * appc's SanitizeACIdentifier: lower-cases `s`, replaces every character not allowed in an
 * AC Identifier with `_` and trims `-._~/` from both ends. Throws when nothing is left.
 */
export function sanitizeACIdentifier(s: string): string {
  const out = s
    .toLowerCase()
    .replace(/[^a-z0-9\-._~/]/g, "_")
    .replace(/(^[\-._~/]+)|([\-._~/]+$)/g, "");
  if (out === "") {
    throw new AppcError(`cannot make an AC Identifier of ${JSON.stringify(s)}: must contain at least one valid character`);
  }
  return out;
}

/**
 * rkt's default app name for an image: the last `/`-separated component of the image name,
 * sanitized into an AC Name (`coreos.com/etcd` → `etcd`, `example.com/My_App` → `my-app`).
 */
export function appNameFromImageName(imageName: string): string {
  const parts = imageName.split("/");
  const last = parts[parts.length - 1] ?? "";
  try {
    return sanitizeACName(last);
  } catch {
    throw new AppcError(
      `cannot derive an app name from image name ${JSON.stringify(imageName)} (try --name=NAME)`,
    );
  }
}
