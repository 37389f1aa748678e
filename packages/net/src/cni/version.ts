// CNI spec versions, as the runtime side needs them: a config's cniVersion decides the
// result format, whether CHECK exists, and whether DEL and CHECK get the ADD result back as
// prevResult (both from 0.4.0 on). A config without cniVersion is a 0.1.0 config.

/** The result formats this client reads. */
export const KNOWN_VERSIONS = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0"] as const;

function parts(v: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v.trim());
  if (!m) return [0, 1, 0];
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** a < b: -1, a == b: 0, a > b: 1 (unparsable versions count as 0.1.0, as libcni's default). */
export function compareVersions(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return 0;
}

export function atLeast(version: string, min: string): boolean {
  return compareVersions(version, min) >= 0;
}

/** The config's version, with libcni's default for a config that names none. */
export function configVersion(v: unknown): string {
  return typeof v === "string" && v !== "" ? v : "0.1.0";
}

/** CHECK arrived with spec 0.4.0. */
export function supportsCheck(version: string): boolean {
  return atLeast(version, "0.4.0");
}

/** From 0.4.0 on, DEL and CHECK get the ADD result as prevResult. */
export function passesPrevResult(version: string): boolean {
  return atLeast(version, "0.4.0");
}

/** Results before 0.3.0 have ip4/ip6 sections instead of interfaces and ips. */
export function isLegacyResult(version: string): boolean {
  return !atLeast(version, "0.3.0");
}
