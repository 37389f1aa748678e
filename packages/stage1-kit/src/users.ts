// User and group resolution as rkt does it: numbers, names looked up in the image's own
// /etc/passwd and /etc/group (never the host's), or an absolute path whose owner is used.
import { statSync } from "node:fs";
import { readFileInRoot, resolveInRoot } from "./root-path.js";

export class UserResolutionError extends Error {}

interface DbEntry {
  name: string;
  id: number;
  rest: string[];
}

function parseDb(text: string | undefined): DbEntry[] {
  if (!text) return [];
  const out: DbEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const f = line.split(":");
    const id = Number(f[2]);
    if (f.length < 3 || !Number.isInteger(id) || id < 0) continue;
    out.push({ name: f[0]!, id, rest: f.slice(3) });
  }
  return out;
}

const NUMERIC = /^[0-9]+$/;

function lookup(root: string, spec: string, db: "passwd" | "group"): number {
  if (NUMERIC.test(spec)) return Number(spec);
  if (spec.startsWith("/")) {
    try {
      const st = statSync(resolveInRoot(root, spec));
      return db === "passwd" ? st.uid : st.gid;
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (err as Error).message;
      throw new UserResolutionError(`${db === "passwd" ? "user" : "group"} path ${JSON.stringify(spec)} in the image: ${why}`);
    }
  }
  const entry = parseDb(readFileInRoot(root, `/etc/${db}`)).find((e) => e.name === spec);
  if (entry) return entry.id;
  if (spec === "root") return 0;
  // rkt's wording ("user2" user not found), which scripts match.
  throw new UserResolutionError(`${JSON.stringify(spec)} ${db === "passwd" ? "user" : "group"} not found in the image's /etc/${db}`);
}

export interface Credentials {
  uid: number;
  gid: number;
}

/**
 * Resolves an app's user and group inside its root. `dockerFallback` applies rkt's rule for
 * images converted from Docker: a group named like the user that cannot be resolved uses the uid.
 */
export function resolveCredentials(root: string, user: string, group: string, dockerFallback = false): Credentials {
  const uid = lookup(root, user, "passwd");
  let gid: number;
  try {
    gid = lookup(root, group, "group");
  } catch (err) {
    if (dockerFallback && group === user) gid = uid;
    else throw err;
  }
  return { uid, gid };
}

/** The home directory of a uid in the image's /etc/passwd, if any. */
export function homeOf(root: string, uid: number): string | undefined {
  const entry = parseDb(readFileInRoot(root, "/etc/passwd")).find((e) => e.id === uid);
  return entry?.rest[2] || undefined;
}
