import { describe, expect, it } from "vitest";
import { parseChallenges } from "./auth.js";

describe("parseChallenges (WWW-Authenticate)", () => {
  it("Docker Hub's Bearer challenge", () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"')).toEqual([
      { scheme: "bearer", params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/busybox:pull" } },
    ]);
  });

  it("several challenges, tokens, escapes and commas in quotes", () => {
    expect(parseChallenges('Basic realm="a \\"b\\", c", Bearer realm=x, service=y')).toEqual([
      { scheme: "basic", params: { realm: 'a "b", c' } },
      { scheme: "bearer", params: { realm: "x", service: "y" } },
    ]);
  });

  it("nothing usable", () => {
    expect(parseChallenges("")).toEqual([]);
    expect(parseChallenges("Negotiate")).toEqual([{ scheme: "negotiate", params: {} }]);
  });
});
