// The attacker's probe of the security tests (test/fixtures/probes/probe.c): built static
// for each test file, put into busybox images as /probe, its "KEY=VALUE" lines read back. Each line may carry a tag ("TAG: KEY=VALUE", from the PROBE_TAG environment
// variable) so that several apps and handlers can share one stdout.
import { existsSync } from "node:fs";
import { expect } from "vitest";
import { buildAci, type AciSpec } from "../fixtures/aci.js";
import type { Sandbox } from "./rkt.js";
import { buildProbe } from "./static-c.js";

/** The probe, built into the sandbox once; its path. */
export function sandboxProbe(sb: Sandbox): string {
  const out = sb.path("probe");
  return existsSync(out) ? out : buildProbe("probe", out);
}

/** A busybox ACI with the probe as /probe; the app runs as root with the default isolators. */
export function probeImage(sb: Sandbox, file: string, spec: Omit<AciSpec, "files"> & { files?: AciSpec["files"] }): string {
  return buildAci(sb.path(file), { ...spec, files: { ...spec.files, probe: { copyFrom: sandboxProbe(sb), mode: 0o755 } } });
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

/** runc's default masked paths and rkt's. */
export const MASKED = [
  "/proc/acpi", "/proc/asound", "/proc/config.gz", "/proc/kallsyms", "/proc/kcore", "/proc/keys", "/proc/kmem",
  "/proc/latency_stats", "/proc/mem", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats",
  "/sys/devices/virtual/powercap", "/sys/firmware", "/sys/fs", "/sys/hypervisor", "/sys/module", "/sys/power",
];
/** Knobs of the host kernel: opened for writing (never written), they must refuse. */
export const READONLY = ["/proc/sys/kernel/core_pattern", "/proc/sys/vm/panic_on_oom", "/proc/irq/default_smp_affinity", "/proc/sysrq-trigger", "/sys/kernel/uevent_helper"];

/** What a masked path may look like from inside: nothing, or nothing readable. */
export function expectMasked(values: Map<string, string>, paths: readonly string[]): void {
  for (const p of paths) expect(values.get(`masked:${p}`), p).toMatch(/^(absent|empty|denied:.*)$/);
}

export function expectReadonly(values: Map<string, string>, paths: readonly string[]): void {
  for (const p of paths) expect(values.get(`readonly:${p}`), p).toMatch(/^(EROFS|EACCES|ENOENT)$/);
}
