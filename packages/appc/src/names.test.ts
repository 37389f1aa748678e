import { describe, expect, it } from "vitest";
import { AppcError } from "./errors.js";
import {
  acIdentifierProblem,
  acNameProblem,
  appNameFromImageName,
  isACIdentifier,
  isACName,
  sanitizeACIdentifier,
  sanitizeACName,
} from "./names.js";
import { isSemVer, semverProblem } from "./semver.js";

describe("AC Identifier", () => {
  it.each(["example.com/reduce-worker", "coreos.com/rkt/stage1-coreos", "a", "0", "a~b_c.d/e-f", "registry-1.docker.io/library/redis"])(
    "accepts %s",
    (s) => expect(isACIdentifier(s)).toBe(true),
  );
  it.each([
    ["", "ACIdentifier cannot be empty"],
    ["Example.com", "must contain only lower case"],
    ["example.com/app:1", "must contain only lower case"],
    ["a b", "must contain only lower case"],
    ["-a", "must start and end"],
    ["a/", "must start and end"],
    ["_a", "must start and end"],
  ])("rejects %j", (s, why) => {
    expect(isACIdentifier(s)).toBe(false);
    expect(acIdentifierProblem(s)).toContain(why);
  });
});

describe("AC Name", () => {
  it.each(["reduce-worker", "a", "9", "a--b", "etcd"])("accepts %s", (s) => expect(isACName(s)).toBe(true));
  it.each([
    ["", "ACName cannot be empty"],
    ["a.b", 'plus "-"'],
    ["a/b", 'plus "-"'],
    ["A", 'plus "-"'],
    ["a_b", 'plus "-"'],
    ["-a", "must start and end"],
    ["a-", "must start and end"],
  ])("rejects %j", (s, why) => {
    expect(isACName(s)).toBe(false);
    expect(acNameProblem(s)).toContain(why);
  });
});

describe("sanitizers", () => {
  it("sanitizeACName lower-cases, replaces each invalid character with a dash and trims dashes", () => {
    expect(sanitizeACName("My_App")).toBe("my-app");
    expect(sanitizeACName("__init__.py")).toBe("init---py");
    expect(sanitizeACName("/var/lib/data")).toBe("var-lib-data");
    expect(sanitizeACName("Redis")).toBe("redis");
    expect(isACName(sanitizeACName("a__b!c"))).toBe(true);
  });

  it("sanitizeACName throws when nothing valid is left", () => {
    expect(() => sanitizeACName("___")).toThrow(AppcError);
    expect(() => sanitizeACName("")).toThrow("must contain at least one valid character");
  });

  it("sanitizeACIdentifier replaces invalid characters with underscores and trims edges", () => {
    expect(sanitizeACIdentifier("Example.com/My App/")).toBe("example.com/my_app");
    expect(sanitizeACIdentifier("registry-1.docker.io/library/redis")).toBe("registry-1.docker.io/library/redis");
    expect(() => sanitizeACIdentifier("///")).toThrow(AppcError);
  });

  it("appNameFromImageName takes the last path component", () => {
    expect(appNameFromImageName("coreos.com/etcd")).toBe("etcd");
    expect(appNameFromImageName("registry-1.docker.io/library/redis")).toBe("redis");
    expect(appNameFromImageName("example.com/rkt-inspect")).toBe("rkt-inspect");
    expect(appNameFromImageName("example.com/app.v2")).toBe("app-v2");
    expect(appNameFromImageName("busybox")).toBe("busybox");
    expect(() => appNameFromImageName("example.com/___")).toThrow("(try --name=NAME)");
  });
});

describe("semver", () => {
  it.each(["0.8.11", "1.30.0", "0.0.1", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85"])(
    "accepts %s",
    (v) => expect(isSemVer(v)).toBe(true),
  );
  it.each(["", "1", "1.0", "v1.0.0", "1.0.0.0", "01.0.0", "1.0.0-", "1.0.0-01", "1.0.0+", " 1.0.0"])("rejects %j", (v) => {
    expect(isSemVer(v)).toBe(false);
  });
  it("rejects the zero version like appc", () => {
    expect(semverProblem("0.0.0")).toBe("SemVer cannot be zero");
    expect(isSemVer("0.0.0-dev")).toBe(true);
  });
});
