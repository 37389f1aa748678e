import { describe, expect, it } from "vitest";
import { ManifestError } from "./errors.js";
import { checkName, NAME_GRAMMARS, NameError, nameProblem, shownName, type NameKind } from "./path-names.js";
import { validatePodManifest } from "./pod-manifest.js";

// Names an attacker would try where a name becomes a path component.
const HOSTILE: [string, string][] = [
  ["empty", ""],
  ["dot", "."],
  ["dot-dot", ".."],
  ["slash", "/"],
  ["climbing", "../../etc"],
  ["a/../b", "a/../b"],
  ["absolute", "/etc/passwd"],
  ["NUL", "a\u0000b"],
  ["newline", "a\nb"],
  ["carriage return", "a\rb"],
  ["tab", "a\tb"],
  ["percent-encoded dots", "%2e%2e"],
  ["percent-encoded slash", "a%2fb"],
  ["backslash", "a\\..\\b"],
  ["Cyrillic a look-alike", "\u0430pp"],
  ["fullwidth dots", "\uff0e\uff0e"],
  ["division slash", "a\u2215b"],
  ["one dot leader", "\u2024\u2024"],
  ["very long", "a".repeat(4096)],
];

/** Names the kernel resolves to somewhere else, or that break line-based files. */
const STRUCTURAL = new Set(["", ".", "..", "/", "../../etc", "a/../b", "/etc/passwd", "a\u0000b", "a\nb", "a\rb", "a\tb", "a".repeat(4096)]);

describe("every grammar refuses hostile names", () => {
  for (const kind of Object.keys(NAME_GRAMMARS) as NameKind[]) {
    // A plain file name may be any literal name: "%2e%2e" or a look-alike is no path to the kernel.
    const names = kind === "file name" ? HOSTILE.filter(([, n]) => STRUCTURAL.has(n)) : HOSTILE;
    it.each(names)(`${kind}: %s`, (_, name) => {
      expect(nameProblem(kind, name)).toBeDefined();
      expect(() => checkName(kind, name, "--flag")).toThrow(NameError);
    });
  }
  it.each(HOSTILE.filter(([, n]) => !STRUCTURAL.has(n)))("a file name may be the literal %s", (_, name) => {
    expect(nameProblem("file name", name)).toBeUndefined();
  });
});

describe("valid names pass", () => {
  it.each<[NameKind, string]>([
    ["app name", "reduce-worker"],
    ["app name", "a".repeat(127)],
    ["volume name", "data"],
    ["mount point name", "work-dir"],
    ["port name", "http"],
    ["network name", "My_Net.1-b"],
    ["stage1 name", "hello.world_2-x"],
    ["stage1 version", "1.2.3-rc.1+build.5"],
    ["stage1 version", "0.0.0"],
    ["package name", "@rkt/stage1-api"],
    ["package name", "left-pad"],
    ["pod UUID", "0e9b6c4e-1c2f-4a8e-9b1d-2f3a4b5c6d7e"],
    ["pod UUID prefix", "0E9B6c4e-1c"],
    ["image name prefix", "example.com/app"],
    ["file name", "stage1-fly.aci"],
  ])("%s %j", (kind, name) => expect(nameProblem(kind, name)).toBeUndefined());
});

describe("grammar details", () => {
  it("AC Names that become paths are bounded so that <app>-<mount point> still fits a file name", () => {
    expect(nameProblem("app name", "a".repeat(128))).toMatch(/at most 127 bytes/);
  });
  it("a version is only its exact spelling (semver's valid() would trim or drop a v)", () => {
    for (const v of [" 1.0.0", "1.0.0\n", "v1.0.0", "=1.0.0", "1.0", "01.0.0", "1.0.0-01"]) expect(nameProblem("stage1 version", v)).toBeDefined();
  });
  it("an image name prefix with a climbing part is refused although it is an AC Identifier", () => {
    expect(nameProblem("image name prefix", "example.com/../../../tmp/keys")).toMatch(/none may be empty, "." or ".."/);
    expect(nameProblem("image name prefix", "example.com//x")).toBeDefined();
  });
  it("npm names: no leading dot or underscore, no upper case, at most 214 characters", () => {
    for (const n of [".bin", "_x", "Left-Pad", "@scope/../x", "@/x", "a".repeat(215)]) expect(nameProblem("package name", n)).toBeDefined();
  });
  it("a UUID prefix is at most a whole UUID", () => {
    expect(nameProblem("pod UUID prefix", "0e9b6c4e-1c2f-4a8e-9b1d-2f3a4b5c6d7e0")).toBeDefined();
  });
});

describe("NameError: one message saying where, which name and what is wrong", () => {
  it("names the flag", () => {
    expect(() => checkName("volume name", "../../x", "--volume")).toThrow(
      '--volume: volume name "../../x" is not a valid AC Name: ACName must contain only lower case alphanumeric characters plus "-"',
    );
  });
  it("names the file and field", () => {
    const err = (() => {
      try {
        checkName("network name", "../x", '"name"', "/etc/rkt/net.d/10-x.conf");
      } catch (e) {
        return e as NameError;
      }
    })()!;
    expect(err).toBeInstanceOf(ManifestError);
    expect(err.message).toMatch(/^\/etc\/rkt\/net\.d\/10-x\.conf: "name": network name "\.\.\/x" is not valid: /);
  });
  it("shows control and look-alike characters escaped, and long names cut", () => {
    expect(shownName("a\nb")).toBe('"a\\nb"');
    expect(shownName("\u0430pp")).toBe('"\\u0430pp"');
    expect(shownName("a".repeat(100))).toBe(`"${"a".repeat(64)}..."`);
  });
});

describe("the pod manifest gate (what --pod-manifest and flag-built manifests pass)", () => {
  const manifest = (over: Record<string, unknown> = {}, app: Record<string, unknown> = {}) => ({
    acKind: "PodManifest",
    acVersion: "0.8.11",
    apps: [{ name: "web", image: { id: "sha512-" + "a".repeat(64) }, ...app }],
    volumes: [],
    ...over,
  });
  it.each(HOSTILE.filter(([, n]) => n !== ""))("app name %s", (_, name) => {
    expect(() => validatePodManifest(manifest({}, { name }))).toThrow(/apps\[0\]\.name: app name .* is not a valid AC Name/);
  });
  it.each(HOSTILE.filter(([, n]) => n !== ""))("volume name %s", (_, name) => {
    expect(() => validatePodManifest(manifest({ volumes: [{ name, kind: "empty" }] }))).toThrow(/volumes\[0\]\.name: volume name .* is not a valid AC Name/);
  });
  it("a mount's volume name", () => {
    expect(() => validatePodManifest(manifest({}, { mounts: [{ volume: "../x", path: "/x" }] }))).toThrow(/apps\[0\]\.mounts\[0\]\.volume: volume name/);
  });
});
