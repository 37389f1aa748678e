import { describe, expect, test } from "vitest";
import type { AuthEntry } from "../config/config.js";
import { parseMaxAge } from "./download.js";
import { authorizationFor } from "./http.js";
import { ascPathFor, ascUrlFor } from "./signature.js";

describe("HTTP details", () => {
  const auth = new Map<string, AuthEntry>([
    ["example.com", { domain: "example.com", type: "basic", credentials: { user: "bob", password: "pw" } }],
    ["example.com:8443", { domain: "example.com:8443", type: "oauth", credentials: { token: "tok" } }],
  ]);

  test("auth.d credentials go to their host[:port], over HTTPS only", () => {
    expect(authorizationFor(new URL("https://example.com/x.aci"), auth)).toBe(`Basic ${Buffer.from("bob:pw").toString("base64")}`);
    expect(authorizationFor(new URL("https://example.com:443/x.aci"), auth)).toBe(`Basic ${Buffer.from("bob:pw").toString("base64")}`);
    expect(authorizationFor(new URL("https://example.com:8443/x.aci"), auth)).toBe("Bearer tok");
    expect(authorizationFor(new URL("http://example.com/x.aci"), auth)).toBeUndefined();
    expect(authorizationFor(new URL("https://other.example.com/x.aci"), auth)).toBeUndefined();
  });

  test("Cache-Control max-age as rkt reads it", () => {
    expect(parseMaxAge(undefined)).toBe(0);
    expect(parseMaxAge("max-age=3600")).toBe(3600);
    expect(parseMaxAge("public, MAX-AGE=60")).toBe(60);
    expect(parseMaxAge("max-age=60, no-cache")).toBe(0);
    expect(parseMaxAge("no-store, max-age=60")).toBe(0);
    expect(parseMaxAge("max-age=abc")).toBe(0);
  });

  test("signatures sit beside their images", () => {
    expect(ascPathFor("/x/app.aci")).toBe("/x/app.aci.asc");
    expect(ascPathFor("/x/app")).toBe("/x/app.aci.asc");
    expect(ascUrlFor("https://h/a/app.aci?x=1")).toBe("https://h/a/app.aci.asc?x=1");
  });
});
