// rkt's keystore of trusted OpenPGP public keys: files named by fingerprint under
//   <config>/trustedkeys/root.d/<fp>                    trusted for every image
//   <config>/trustedkeys/prefix.d/<prefix>/<fp>         trusted for images named <prefix>...
// in the system (vendor) and the local (admin) config directories. `rkt trust` writes to
// the local one. A local empty file named like a key takes the trust of that key away
// (masking a vendor key), as in rkt.
import { nameProblem } from "@rkt/appc";
import { safeJoin } from "@rkt/stage1-api";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TrustError } from "./errors.js";
import { fingerprintFileName, isFingerprint } from "./fingerprint.js";

export interface KeystoreDirs {
  /** The system configuration directory (`--system-config`, e.g. /usr/lib/rkt). */
  system: string;
  /** The local configuration directory (`--local-config`, e.g. /etc/rkt). */
  local: string;
}

export type KeyScope = { kind: "root" } | { kind: "prefix"; prefix: string };

export interface TrustedKeyFile {
  path: string;
  /** Lower-case hex, as the file is named. */
  fingerprint: string;
  scope: KeyScope;
}

type Origin = keyof KeystoreDirs;

export class Keystore {
  constructor(readonly dirs: KeystoreDirs) {}

  rootDir(origin: Origin = "local"): string {
    return join(this.dirs[origin], "trustedkeys", "root.d");
  }

  prefixDir(prefix: string, origin: Origin = "local"): string {
    return safeJoin(join(this.dirs[origin], "trustedkeys", "prefix.d"), checkPrefix(prefix).split("/"), "key prefix");
  }

  /**
   * The keys that may sign an image called `name`: every root key and every key trusted
   * for a path-prefix of the name (`example.com` and `example.com/app` for
   * `example.com/app`, never `example.com/ap`). Read in rkt's order (system root, local
   * root, system prefixes, local prefixes) so that a later empty file masks a key.
   */
  keysFor(name: string): TrustedKeyFile[] {
    const parts = checkPrefix(name).split("/");
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    const found = new Map<string, TrustedKeyFile>();
    const scan = (dir: string, scope: KeyScope): void => {
      for (const entry of listFiles(dir)) {
        if (entry.size === 0) found.delete(entry.name);
        else found.set(entry.name, { path: join(dir, entry.name), fingerprint: entry.name, scope });
      }
    };
    for (const origin of ["system", "local"] as const) scan(this.rootDir(origin), { kind: "root" });
    for (const origin of ["system", "local"] as const) {
      for (const prefix of prefixes) scan(this.prefixDir(prefix, origin), { kind: "prefix", prefix });
    }
    return [...found.values()];
  }

  /**
   * rkt's TrustedKeyPrefixExists: whether some key is trusted for `prefix` or one of its
   * parents (root keys do not count). Used to decide whether discovery should look for keys.
   */
  prefixHasKeys(prefix: string): boolean {
    const parts = checkPrefix(prefix).split("/");
    for (let i = parts.length; i > 0; i--) {
      const p = parts.slice(0, i).join("/");
      for (const origin of ["local", "system"] as const) {
        if (listFiles(this.prefixDir(p, origin)).some((f) => f.size > 0)) return true;
      }
    }
    return false;
  }

  /** Where a key is (or would be) stored in the local keystore. */
  keyPath(scope: KeyScope, fingerprint: string): string {
    const dir = scope.kind === "root" ? this.rootDir() : this.prefixDir(scope.prefix);
    return join(dir, fingerprintFileName(fingerprint));
  }

  /** Whether the local or system keystore already trusts this key for exactly this scope. */
  has(scope: KeyScope, fingerprint: string): boolean {
    const name = fingerprintFileName(fingerprint);
    return (["local", "system"] as const).some((origin) => {
      const dir = scope.kind === "root" ? this.rootDir(origin) : this.prefixDir(scope.prefix, origin);
      return listFiles(dir).some((f) => f.name === name && f.size > 0);
    });
  }

  /**
   * Stores the key's bytes, exactly as given, in the local keystore (directories 0755,
   * file 0644 as rkt). Written to a temporary name first so a crash never leaves half a key.
   */
  store(scope: KeyScope, fingerprint: string, bytes: Uint8Array): string {
    const path = this.keyPath(scope, fingerprint);
    const dir = path.slice(0, path.lastIndexOf("/"));
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, bytes, { mode: 0o644 });
      renameSync(tmp, path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    return path;
  }

  /** Reads a key file of this keystore. */
  read(file: TrustedKeyFile): Buffer {
    try {
      return readFileSync(file.path);
    } catch (err) {
      throw new TrustError("keystore", `keystore: cannot read ${file.path}: ${(err as Error).message}`, { path: file.path });
    }
  }
}

/** A prefix's parts become directories under prefix.d: no `..` may climb out of it. */
function checkPrefix(prefix: string): string {
  const why = nameProblem("image name prefix", prefix);
  if (why !== undefined) throw new TrustError("keystore", `invalid prefix ${JSON.stringify(prefix)}: ${why}`);
  return prefix;
}

/** Regular files named like fingerprints directly in `dir` (nothing when it does not exist). */
function listFiles(dir: string): { name: string; size: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: { name: string; size: number }[] = [];
  for (const name of names.sort()) {
    // Other files (an editor's backup, a README) are not keys.
    if (!isFingerprint(name)) continue;
    try {
      const st = statSync(join(dir, name));
      if (st.isFile()) out.push({ name, size: st.size });
    } catch {
      // Vanished between the listing and the stat: not a key any more.
    }
  }
  return out;
}
