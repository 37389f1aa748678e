import { describe, expect, it } from "vitest";
import type { IndexDoc } from "./manifest.js";
import { MediaType } from "./media-types.js";
import { appcOsArch, hostPlatform, selectPlatform } from "./platform.js";

const entry = (c: string, platform?: { architecture: string; os: string; variant?: string }, mediaType: string = MediaType.ociManifest) => ({
  mediaType,
  digest: `sha256:${c.repeat(64)}` as const,
  size: 1,
  ...(platform ? { platform } : {}),
});
const index = (...manifests: ReturnType<typeof entry>[]): IndexDoc => ({ kind: "index", mediaType: MediaType.ociIndex, manifests });

describe("selectPlatform", () => {
  it("picks the entry for the platform, not the first", () => {
    const ix = index(entry("a", { architecture: "arm64", os: "linux", variant: "v8" }), entry("b", { architecture: "amd64", os: "linux" }));
    expect(selectPlatform(ix, { os: "linux", architecture: "amd64" }, "f").digest).toMatch(/^sha256:b/);
    expect(selectPlatform(ix, { os: "linux", architecture: "arm64", variant: "v8" }, "f").digest).toMatch(/^sha256:a/);
  });

  it("arm variants: exact first, then an entry without variant; arm64 without variant is v8", () => {
    const ix = index(entry("a", { architecture: "arm", os: "linux", variant: "v6" }), entry("b", { architecture: "arm", os: "linux" }), entry("c", { architecture: "arm", os: "linux", variant: "v7" }));
    expect(selectPlatform(ix, { os: "linux", architecture: "arm", variant: "v7" }, "f").digest).toMatch(/^sha256:c/);
    expect(selectPlatform(index(entry("d", { architecture: "arm64", os: "linux" })), { os: "linux", architecture: "arm64", variant: "v8" }, "f").digest).toMatch(/^sha256:d/);
  });

  it("ignores attestations and other non-images; one unlabelled image is taken", () => {
    const ix = index(entry("e", { architecture: "unknown", os: "unknown" }, "application/vnd.in-toto+json"), entry("f"));
    expect(selectPlatform(index(entry("f")), { os: "linux", architecture: "amd64" }, "f").digest).toMatch(/^sha256:f/);
    expect(selectPlatform(ix, { os: "linux", architecture: "amd64" }, "f").digest).toMatch(/^sha256:f/);
  });

  it("says which platforms there are when none fits", () => {
    const ix = index(entry("a", { architecture: "arm64", os: "linux" }), entry("b", { architecture: "s390x", os: "linux" }), entry("c", { architecture: "amd64", os: "windows" }));
    expect(() => selectPlatform(ix, { os: "linux", architecture: "amd64" }, "reg: manifest list")).toThrow(
      "reg: manifest list: no image for linux/amd64 (the index has linux/arm64, linux/s390x, windows/amd64)",
    );
  });

  it("host platform and appc labels", () => {
    expect(hostPlatform("x64", "linux")).toEqual({ os: "linux", architecture: "amd64" });
    expect(hostPlatform("arm64", "linux")).toEqual({ os: "linux", architecture: "arm64", variant: "v8" });
    expect(appcOsArch("linux", "arm64")).toEqual({ os: "linux", arch: "aarch64" });
    expect(appcOsArch("linux", "arm", "v6")).toEqual({ os: "linux", arch: "armv6l" });
    expect(appcOsArch("linux", "arm", "v7")).toEqual({ os: "linux", arch: "armv7l" });
    expect(appcOsArch("linux", "386")).toEqual({ os: "linux", arch: "i386" });
    expect(appcOsArch("linux", "ppc64le")).toEqual({ os: "linux", arch: "ppc64le" });
  });
});
