// Static C programs for tests that probe isolation from inside pods (test/fixtures/probes):
// built with the host's gcc and glibc's static libc, so they run in any image.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { REPO } from "./rkt.js";

export const PROBES_DIR = join(REPO, "test", "fixtures", "probes");

/** Compiles test/fixtures/probes/<name>.c into `out`, statically; returns `out`. */
export function buildProbe(name: string, out: string): string {
  execFileSync("gcc", ["-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", out, join(PROBES_DIR, `${name}.c`)], { stdio: ["ignore", "ignore", "inherit"] });
  return out;
}
