// rkt's configuration: JSON files of several kinds read from three directories (system <
// local < user). Only *.json files directly inside a kind's subdirectory count; a key
// defined twice inside one directory is an error; a later directory overrides per key.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RktError } from "../errors.js";

export interface ConfigDirs {
  system: string;
  local: string;
  user: string;
}

export interface PathsConfig {
  data?: string;
  stage1Images?: string;
}

export interface Stage1Config {
  name?: string;
  version?: string;
  location?: string;
}

export interface AuthEntry {
  domain: string;
  type: "basic" | "oauth";
  credentials: { user?: string; password?: string; token?: string };
}

export interface DockerAuthEntry {
  registry: string;
  credentials: { user: string; password: string };
}

export interface Config {
  paths: PathsConfig;
  stage1: Stage1Config;
  auth: Map<string, AuthEntry>;
  dockerAuth: Map<string, DockerAuthEntry>;
}

interface RawFile {
  file: string;
  body: Record<string, unknown>;
}

function readKind(dir: string, sub: string, kind: string): RawFile[] {
  if (!dir) return [];
  let names: string[];
  try {
    names = readdirSync(join(dir, sub)).filter((n) => n.endsWith(".json")).sort();
  } catch {
    return [];
  }
  const out: RawFile[] = [];
  for (const name of names) {
    const file = join(dir, sub, name);
    let body: unknown;
    try {
      body = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EISDIR") continue;
      throw new RktError(`${file}: invalid configuration file: ${(err as Error).message}`);
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new RktError(`${file}: invalid configuration file: expected a JSON object`);
    }
    const b = body as Record<string, unknown>;
    if (typeof b.rktKind !== "string") throw new RktError(`${file}: no rktKind specified`);
    if (b.rktVersion !== "v1") throw new RktError(`${file}: unsupported rktVersion ${JSON.stringify(b.rktVersion)} (expected "v1")`);
    if (b.rktKind === kind) out.push({ file, body: b });
  }
  return out;
}

function str(f: RawFile, key: string): string | undefined {
  const v = f.body[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new RktError(`${f.file}: "${key}" must be a string`);
  return v;
}

/** Merges one kind's per-key values over the directories, rejecting duplicates within one. */
function mergeKeys<T>(dirs: string[], sub: string, kind: string, keysOf: (f: RawFile) => Map<string, T>): Map<string, T> {
  const merged = new Map<string, T>();
  for (const dir of dirs) {
    const inDir = new Map<string, { value: T; file: string }>();
    for (const f of readKind(dir, sub, kind)) {
      for (const [k, v] of keysOf(f)) {
        const prev = inDir.get(k);
        if (prev) throw new RktError(`${f.file}: ${kind} "${k}" is already defined in ${prev.file}`);
        inDir.set(k, { value: v, file: f.file });
      }
    }
    for (const [k, { value }] of inDir) merged.set(k, value);
  }
  return merged;
}

export function loadConfig(dirs: ConfigDirs): Config {
  const order = [dirs.system, dirs.local, dirs.user];
  const paths = mergeKeys(order, "paths.d", "paths", (f) => {
    const m = new Map<string, string>();
    const data = str(f, "data");
    const images = str(f, "stage1-images");
    if (data !== undefined) m.set("data", data);
    if (images !== undefined) m.set("stage1-images", images);
    return m;
  });
  const stage1 = mergeKeys(order, "stage1.d", "stage1", (f) => {
    const m = new Map<string, string>();
    const name = str(f, "name");
    const version = str(f, "version");
    if ((name === undefined) !== (version === undefined)) {
      throw new RktError(`${f.file}: the stage1 "name" and "version" must be given together`);
    }
    if (name !== undefined) m.set("name+version", `${name}\n${version}`);
    const location = str(f, "location");
    if (location !== undefined) m.set("location", location);
    return m;
  });
  const auth = mergeKeys(order, "auth.d", "auth", (f) => {
    const m = new Map<string, AuthEntry>();
    const type = str(f, "type");
    if (type !== "basic" && type !== "oauth") throw new RktError(`${f.file}: unsupported auth type ${JSON.stringify(type)} (use basic or oauth)`);
    const credentials = (f.body.credentials ?? {}) as AuthEntry["credentials"];
    const domains = f.body.domains;
    if (!Array.isArray(domains) || domains.some((d) => typeof d !== "string")) throw new RktError(`${f.file}: "domains" must be a list of strings`);
    for (const d of domains as string[]) m.set(d, { domain: d, type, credentials });
    return m;
  });
  const dockerAuth = mergeKeys(order, "auth.d", "dockerAuth", (f) => {
    const m = new Map<string, DockerAuthEntry>();
    const credentials = f.body.credentials as DockerAuthEntry["credentials"] | undefined;
    const registries = f.body.registries;
    if (!Array.isArray(registries)) throw new RktError(`${f.file}: "registries" must be a list of strings`);
    if (!credentials || typeof credentials.user !== "string" || typeof credentials.password !== "string") {
      throw new RktError(`${f.file}: "credentials" must have "user" and "password"`);
    }
    for (const r of registries as string[]) m.set(r, { registry: r, credentials });
    return m;
  });
  const nameVersion = stage1.get("name+version")?.split("\n");
  return {
    paths: { data: paths.get("data"), stage1Images: paths.get("stage1-images") },
    stage1: { name: nameVersion?.[0], version: nameVersion?.[1], location: stage1.get("location") },
    auth,
    dockerAuth,
  };
}
