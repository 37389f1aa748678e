import { describe, expect, it } from "vitest";
import { ManifestError } from "./errors.js";
import { checkRunnableOSArch, hostArch, hostOS, osArchProblem, validOSArch } from "./os-arch.js";

const labels = (...pairs: [string, string][]) => ({ labels: pairs.map(([name, value]) => ({ name, value })) });

describe("validOSArch (rkt's run-time list)", () => {
  it.each(["amd64", "i386", "aarch64", "aarch64_be", "armv6l", "armv7l", "armv7b", "ppc64le"])("linux/%s runs", (arch) => {
    expect(validOSArch("linux", arch)).toBe(true);
  });
  it("rejects what only appc allows", () => {
    expect(validOSArch("linux", "ppc64")).toBe(false);
    expect(validOSArch("linux", "s390x")).toBe(false);
    expect(validOSArch("freebsd", "amd64")).toBe(false);
    expect(validOSArch("darwin", "x86_64")).toBe(false);
  });
  it("osArchProblem only checks arch when one is given", () => {
    expect(osArchProblem("linux", undefined)).toBeUndefined();
    expect(osArchProblem("plan9", undefined)?.problem).toBe('bad os "plan9" (must be one of: darwin, freebsd, linux)');
  });
});

describe("checkRunnableOSArch", () => {
  it("passes a linux/amd64 image", () => {
    expect(() => checkRunnableOSArch(labels(["os", "linux"], ["arch", "amd64"]))).not.toThrow();
  });

  it.each([
    [{}, "missing os label in the image manifest"],
    [labels(["arch", "amd64"]), "missing os label in the image manifest"],
    [labels(["os", "linux"]), "missing arch label in the image manifest"],
    [labels(["os", "freebsd"], ["arch", "amd64"]), 'bad os "freebsd"'],
    [labels(["os", "linux"], ["arch", "x"]), 'bad arch "x"'],
    [labels(["os", "linux"], ["arch", "s390x"]), 'bad arch "s390x" for linux'],
  ])("%j → %s", (m, message) => {
    let err: unknown;
    try {
      checkRunnableOSArch(m);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ManifestError);
    expect((err as ManifestError).field).toBe("labels");
    expect((err as Error).message).toContain(message);
  });
});

describe("hostArch / hostOS", () => {
  it("maps Node architectures to appc spelling", () => {
    expect(hostArch("x64")).toBe("amd64");
    expect(hostArch("ia32")).toBe("i386");
    expect(hostArch("arm64", { bigEndian: false })).toBe("aarch64");
    expect(hostArch("arm64", { bigEndian: true })).toBe("aarch64_be");
    expect(hostArch("arm", { armVersion: "7" })).toBe("armv7l");
    expect(hostArch("arm", { armVersion: "6" })).toBe("armv6l");
    expect(hostArch("ppc64", { bigEndian: false })).toBe("ppc64le");
    expect(hostArch("ppc64", { bigEndian: true })).toBe("ppc64");
    expect(hostArch("s390x")).toBe("s390x");
    expect(hostArch("riscv64")).toBe("riscv64");
  });

  it("defaults to this process", () => {
    const expected: Record<string, string> = { x64: "amd64", arm64: "aarch64", ia32: "i386" };
    if (expected[process.arch]) expect(hostArch()).toBe(expected[process.arch]);
    expect(hostOS()).toBe(process.platform);
    expect(hostOS("linux")).toBe("linux");
  });
});
