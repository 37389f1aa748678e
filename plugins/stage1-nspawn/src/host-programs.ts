// The host programs an nspawn pod needs (systemd-nspawn, nsenter), found where Debian installs
// them first, then in PATH. Missing, they are an error that says which package to install.
import { Stage1Error } from "@rkt/stage1-api";
import { existsSync } from "node:fs";
import { join } from "node:path";

export function findProgram(name: string, knownPaths: readonly string[], missing: string): string {
  const dirs = (process.env.PATH ?? "").split(":").filter(Boolean).map((d) => join(d, name));
  const found = [...knownPaths, ...dirs].find((p) => existsSync(p));
  if (!found) throw new Stage1Error(missing);
  return found;
}
