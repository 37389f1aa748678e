// Platforms: choosing the entry of a manifest list / image index that runs here, and mapping
// OCI's Go-style names (GOOS/GOARCH + variant) to appc's os/arch labels.
import { OciError } from "./errors.js";
import type { Descriptor, IndexDoc, Platform } from "./manifest.js";
import { isImageManifestType, isIndexType } from "./media-types.js";

/** The platform of this machine in OCI spelling (linux/amd64 here). */
export function hostPlatform(arch: string = process.arch, platform: string = process.platform): Platform {
  switch (arch) {
    case "x64":
      return { os: platform, architecture: "amd64" };
    case "ia32":
      return { os: platform, architecture: "386" };
    case "arm64":
      return { os: platform, architecture: "arm64", variant: "v8" };
    case "arm": {
      const v = (process.config as { variables?: Record<string, unknown> }).variables?.["arm_version"];
      return { os: platform, architecture: "arm", variant: v === "6" || v === 6 ? "v6" : "v7" };
    }
    default:
      return { os: platform, architecture: arch };
  }
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

/** arm64 images usually omit the (only) variant v8. */
function variantMatches(want: string | undefined, have: string | undefined, arch: string): boolean {
  if (want === undefined || have === undefined) return true;
  if (arch === "arm64") return (want || "v8") === (have || "v8");
  return want === have;
}

/**
 * The index entry for `target`: an exact variant match first, then an entry without a
 * variant. Entries that are not images (attestations, `unknown/unknown`) never match. An
 * index whose only image entry carries no platform at all (an OCI layout written by umoci)
 * yields that entry.
 */
export function selectPlatform(index: IndexDoc, target: Platform, file: string): Descriptor {
  const usable = index.manifests.filter((d) => isImageManifestType(d.mediaType) || isIndexType(d.mediaType));
  const matching = usable.filter(
    (d) => d.platform && d.platform.os === target.os && d.platform.architecture === target.architecture,
  );
  const exact = matching.find((d) => d.platform!.variant === target.variant);
  const compatible = matching.find((d) => variantMatches(target.variant, d.platform!.variant, target.architecture));
  const chosen = exact ?? compatible;
  if (chosen) return chosen;
  const unlabelled = usable.filter((d) => !d.platform);
  if (unlabelled.length === 1 && usable.length === 1) return unlabelled[0]!;
  const have = usable.filter((d) => d.platform).map((d) => formatPlatform(d.platform!));
  throw new OciError(
    `${file}: no image for ${formatPlatform(target)}` +
      (have.length ? ` (the index has ${[...new Set(have)].join(", ")})` : " (the index names no platforms)"),
  );
}

/** appc's os/arch labels for an OCI platform (docker2aci's mapping). */
export function appcOsArch(os: string, architecture: string, variant?: string): { os: string; arch: string } {
  const arch = ((): string => {
    switch (architecture) {
      case "amd64":
        return "amd64";
      case "386":
        return "i386";
      case "arm64":
        return "aarch64";
      case "arm64be":
        return "aarch64_be";
      case "arm":
        return variant === "v6" || variant === "v5" ? "armv6l" : "armv7l";
      case "armbe":
        return "armv7b";
      default:
        return architecture; // ppc64le, ppc64, s390x are spelled alike
    }
  })();
  return { os, arch };
}
