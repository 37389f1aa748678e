// The os/arch label pairs: appc's list (what a manifest may declare), rkt's narrower run-time
// list (what `rkt run` accepts), and the host's values in appc spelling.
import type { ImageManifest } from "@rkt/stage1-api";
import { ManifestError } from "./errors.js";

/** appc 0.8.11 `types.ValidOSArch`: combinations an image manifest may declare. */
export const APPC_VALID_OS_ARCH: Readonly<Record<string, readonly string[]>> = {
  linux: ["amd64", "i386", "aarch64", "aarch64_be", "armv6l", "armv7l", "armv7b", "ppc64", "ppc64le", "s390x"],
  freebsd: ["amd64", "i386", "arm"],
  darwin: ["x86_64", "i386"],
};

/** rkt's `stage0.ValidOSArch`: combinations `rkt run`/`prepare` will execute. */
export const RKT_VALID_OS_ARCH: Readonly<Record<string, readonly string[]>> = {
  linux: ["amd64", "i386", "aarch64", "aarch64_be", "armv6l", "armv7l", "armv7b", "ppc64le"],
};

/**
 * Why the os/arch pair is not in `table` (appc's wording: `bad os "x" (must be one of: ...)`,
 * `bad arch "y" for linux (must be one of: ...)`), or undefined. `arch` is only checked when
 * given, as in appc (an arch means nothing without an os).
 */
export function osArchProblem(
  os: string,
  arch: string | undefined,
  table: Readonly<Record<string, readonly string[]>> = APPC_VALID_OS_ARCH,
): { label: "os" | "arch"; problem: string } | undefined {
  const archs = Object.prototype.hasOwnProperty.call(table, os) ? table[os] : undefined;
  if (!archs) {
    const oses = Object.keys(table).sort().join(", ");
    return { label: "os", problem: `bad os ${JSON.stringify(os)} (must be one of: ${oses})` };
  }
  if (arch !== undefined && !archs.includes(arch)) {
    return { label: "arch", problem: `bad arch ${JSON.stringify(arch)} for ${os} (must be one of: ${archs.join(", ")})` };
  }
  return undefined;
}

/** True when rkt can run an image labelled os/arch (rkt's run-time list). */
export function validOSArch(os: string, arch: string): boolean {
  return osArchProblem(os, arch, RKT_VALID_OS_ARCH) === undefined;
}

/**
 * rkt's run-time check of an image before it goes into a pod: the `os` and `arch` labels
 * must be present and a combination rkt runs. Throws ManifestError at `labels` with rkt's
 * messages: `missing os label in the image manifest`, `missing arch label in the image
 * manifest`, `bad os "freebsd" ...`, `bad arch "x" for linux ...`.
 */
export function checkRunnableOSArch(manifest: Pick<ImageManifest, "labels">): void {
  const labels = manifest.labels ?? [];
  const os = labels.find((l) => l.name === "os")?.value;
  const arch = labels.find((l) => l.name === "arch")?.value;
  if (os === undefined) throw new ManifestError("labels", "missing os label in the image manifest");
  if (arch === undefined) throw new ManifestError("labels", "missing arch label in the image manifest");
  const p = osArchProblem(os, arch, RKT_VALID_OS_ARCH);
  if (p) throw new ManifestError("labels", p.problem);
}

/**
 * The host architecture in appc spelling, from Node's `process.arch`: x64 → amd64,
 * ia32 → i386, arm64 → aarch64 (aarch64_be on big-endian), arm → armv7l (armv6l when
 * Node was built for ARMv6), ppc64 → ppc64le (ppc64 on big-endian), s390x → s390x.
 * Unknown architectures are returned unchanged (rkt will then reject them as a bad arch).
 */
export function hostArch(arch: string = process.arch, opts: { bigEndian?: boolean; armVersion?: string } = {}): string {
  const bigEndian = opts.bigEndian ?? new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;
  switch (arch) {
    case "x64":
      return "amd64";
    case "ia32":
      return "i386";
    case "arm64":
      return bigEndian ? "aarch64_be" : "aarch64";
    case "arm": {
      const v = opts.armVersion ?? nodeArmVersion();
      return v === "6" ? "armv6l" : "armv7l";
    }
    case "ppc64":
      return bigEndian ? "ppc64" : "ppc64le";
    default:
      return arch;
  }
}

/** The host OS as an appc `os` label value (linux, freebsd, darwin). */
export function hostOS(platform: string = process.platform): string {
  return platform;
}

function nodeArmVersion(): string | undefined {
  const vars = (process.config as { variables?: Record<string, unknown> }).variables;
  const v = vars?.["arm_version"];
  return v === undefined ? undefined : String(v);
}
