// The attacker's probe of the security tests (test/security/probes/probe.c): built static
// with gcc for each test file, put into busybox images as /probe, its "KEY=VALUE" lines read
// back. Each line may carry a tag ("TAG: KEY=VALUE", from the PROBE_TAG environment
// variable) so that several apps and handlers can share one stdout.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { buildAci, type AciSpec } from "../fixtures/aci.js";
import { REPO, type Sandbox } from "./rkt.js";

const SOURCE = join(REPO, "test", "security", "probes", "probe.c");

/** Builds the probe into the sandbox (once) and returns its path. */
export function buildProbe(sb: Sandbox): string {
  const out = sb.path("probe");
  if (!existsSync(out)) execFileSync("gcc", ["-static", "-O1", "-Wall", "-Werror", "-o", out, SOURCE], { stdio: "inherit" });
  return out;
}

/** A busybox ACI with the probe as /probe; the app runs as root with the default isolators. */
export function probeImage(sb: Sandbox, file: string, spec: Omit<AciSpec, "files"> & { files?: AciSpec["files"] }): string {
  return buildAci(sb.path(file), { ...spec, files: { ...spec.files, probe: { copyFrom: buildProbe(sb), mode: 0o755 } } });
}

/** The probe's values, of the lines with that tag (untagged lines without one). */
export function probeValues(output: string, tag?: string): Map<string, string> {
  const values = new Map<string, string>();
  const prefix = tag === undefined ? "" : `${tag}: `;
  for (const line of output.split("\n")) {
    if (!line.startsWith(prefix)) continue;
    const rest = line.slice(prefix.length);
    if (tag === undefined && /^[A-Za-z0-9_-]+: /.test(rest)) continue; // a tagged line
    const eq = rest.indexOf("=");
    if (eq > 0) values.set(rest.slice(0, eq), rest.slice(eq + 1));
  }
  return values;
}

/** What an app's confinement is made of, from `probe status`: what an enter session or a handler must share. */
export const CONFINEMENT_KEYS = ["CapBnd", "CapEff", "CapPrm", "NoNewPrivs", "Seccomp", "ns.mnt", "ns.cgroup", "ns.pid", "ns.net", "ns.ipc", "ns.uts", "cgroup"] as const;

/** The confinement values of a probe's status, for comparison. */
export function confinement(values: Map<string, string>): Record<string, string | undefined> {
  return Object.fromEntries(CONFINEMENT_KEYS.map((k) => [k, values.get(k)]));
}
