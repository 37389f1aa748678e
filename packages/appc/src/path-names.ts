// Names that become paths, in one place: app, volume, mount point and port names (AC Names),
// network names, stage1 plugin names, versions and dependencies, pod UUIDs. Every such name
// from a flag, a configuration file, a pod or image manifest or a stage1 package is checked
// here against its grammar before anything is written, and a bad one is reported with one
// error type, NameError: where it came from (a flag, a file and its field), which name and
// what is wrong. The layout code checks again that each is a plain path component
// (@rkt/stage1-api's safeJoin); this module is what gives the user the clear message.
import { NAME_MAX, pathComponentProblem } from "@rkt/stage1-api";
import { ManifestError } from "./errors.js";
import { acIdentifierProblem, acNameProblem } from "./names.js";
import { semverSyntaxProblem } from "./semver.js";

/**
 * The longest AC Name accepted where it becomes a path: appc sets no bound, but a name must
 * fit a file name, and so must an implicit volume's `<app>-<mount point>`.
 */
export const MAX_PATH_AC_NAME = 127;

interface Grammar {
  /** What a valid name is, for messages ("an AC Name"). */
  label: string;
  problem(s: string): string | undefined;
}

function within(max: number, what: string): (s: string) => string | undefined {
  return (s) => (Buffer.byteLength(s) > max ? `${what} may be at most ${max} bytes long, this one has ${Buffer.byteLength(s)}` : undefined);
}

const AC_NAME: Grammar = {
  label: "AC Name",
  problem: (s) => acNameProblem(s) ?? within(MAX_PATH_AC_NAME, "a name")(s),
};

/**
 * An image name or name prefix whose `/`-separated parts become directories (the trust
 * keystore's prefix.d/<prefix>/): an AC Identifier, which allows `a/../b`, with every part
 * a plain name.
 */
const NAME_PREFIX: Grammar = {
  label: "AC Identifier",
  problem: (s) =>
    acIdentifierProblem(s) ??
    (s.split("/").some((c) => pathComponentProblem(c) !== undefined) ? 'its "/"-separated parts become directories: none may be empty, "." or ".."' : undefined),
};

/** libcni's network name grammar (ValidateNetworkName): the name becomes CNI's state directory. */
const NETWORK_NAME: Grammar = {
  label: "network name",
  problem: (s) =>
    s === ""
      ? "it is empty"
      : !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(s)
        ? 'a network name is letters, digits, "_", "." and "-", starting with a letter or digit'
        : within(NAME_MAX, "a network name")(s),
};

/** What users type in --stage1-name; also <data>/stage1/<name>. */
const STAGE1_NAME: Grammar = {
  label: "stage1 name",
  problem: (s) =>
    s === ""
      ? "it is empty"
      : !/^[a-z0-9][a-z0-9._-]*$/.test(s)
        ? 'a stage1 name is lower-case letters, digits, ".", "_" and "-", starting with a letter or digit'
        : within(NAME_MAX, "a stage1 name")(s),
};

/** A semantic version spelled exactly (no "v", no spaces): <data>/stage1/<name>/<version>. */
const VERSION: Grammar = {
  label: "semantic version",
  problem: (s) =>
    semverSyntaxProblem(s) !== undefined
      ? "expected MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], spelled exactly (e.g. 1.0.0)"
      : within(NAME_MAX, "a version")(s),
};

/** npm's package name rules (validate-npm-package-name): node_modules/<name>. */
const PACKAGE_NAME: Grammar = {
  label: "npm package name",
  problem: (s) =>
    !/^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/.test(s)
      ? 'a package name is [@scope/]name of lower-case letters, digits, "-", ".", "_" and "~", not starting with "." or "_"'
      : within(214, "a package name")(s),
};

const UUID: Grammar = {
  label: "UUID",
  problem: (s) => (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s) ? undefined : "expected 8-4-4-4-12 lower-case hex digits"),
};

/** What rkt's pod commands take: a unique prefix of a pod's UUID. */
const UUID_PREFIX: Grammar = {
  label: "UUID prefix",
  problem: (s) =>
    s === "" ? "it is empty" : /^[0-9a-fA-F-]{1,36}$/.test(s) ? undefined : "a UUID (prefix) is hex digits and dashes, at most 36 characters",
};

/** One file name in a directory (--stage1-from-dir). */
const FILE_NAME: Grammar = { label: "file name", problem: pathComponentProblem };

export const NAME_GRAMMARS = {
  "app name": AC_NAME,
  "volume name": AC_NAME,
  "mount point name": AC_NAME,
  "port name": AC_NAME,
  "image name prefix": NAME_PREFIX,
  "network name": NETWORK_NAME,
  "stage1 name": STAGE1_NAME,
  "stage1 version": VERSION,
  "package name": PACKAGE_NAME,
  "pod UUID": UUID,
  "pod UUID prefix": UUID_PREFIX,
  "file name": FILE_NAME,
} as const satisfies Record<string, Grammar>;

export type NameKind = keyof typeof NAME_GRAMMARS;

/** How a name is shown in messages: quoted, control and non-ASCII characters escaped (a Cyrillic "а" shows as \u0430), long ones cut. */
export function shownName(s: string): string {
  const cut = s.length > 64 ? `${s.slice(0, 64)}...` : s;
  return JSON.stringify(cut).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * A name is not valid for its grammar. `field` says where it came from: a flag (`--volume`),
 * a JSON path (`apps[0].name`) or both (`--pod-manifest`...); `file` the file it is in, when
 * it is in one. The message is `[file: ]field: <kind> "<name>" is not a valid <grammar>: <why>`.
 */
export class NameError extends ManifestError {
  constructor(
    field: string,
    readonly kind: NameKind,
    readonly value: string,
    readonly why: string,
    file?: string,
  ) {
    const label = NAME_GRAMMARS[kind].label;
    super(field, `${kind} ${shownName(value)} is not ${label === kind ? "valid" : `a valid ${label}`}: ${why}`, file);
    this.name = "NameError";
  }
}

/** Why `value` is not a valid name of this kind, or undefined when it is one. */
export function nameProblem(kind: NameKind, value: string): string | undefined {
  if (typeof value !== "string") return "it is not a string";
  return NAME_GRAMMARS[kind].problem(value);
}

/** Returns `value` when it is a valid name of this kind; throws NameError otherwise. */
export function checkName(kind: NameKind, value: string, field: string, file?: string): string {
  const why = nameProblem(kind, value);
  if (why !== undefined) throw new NameError(field, kind, String(value), why, file);
  return value;
}
