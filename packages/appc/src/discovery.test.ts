import { describe, expect, test } from "vitest";
import { aciEndpoints, discoveryPrefixes, discoveryUrl, parseDiscoveryMeta, pubkeyLocations, renderTemplate } from "./discovery.js";

const PAGE = `<!DOCTYPE html>
<html><head>
  <META name="ac-discovery" content="example.com https://storage.example.com/{os}/{arch}/{name}-{version}.{ext}">
  <meta content='example.com/app   https://mirror.example.com/{name}.{ext}?v={version}&amp;x=1' name='ac-discovery'/>
  <meta name="ac-discovery-pubkeys" content="example.com https://example.com/pubkeys.gpg">
  <meta name="description" content="not discovery">
  <!-- <meta name="ac-discovery" content="example.com https://commented.example.com/{name}.{ext}"> -->
  <meta name="ac-discovery" content="onlyprefix">
  <meta name="ac-discovery" content="other.org https://other.org/{name}.{ext}">
</head></html>`;

describe("appc discovery", () => {
  test("walks up the name", () => {
    expect(discoveryPrefixes("example.com/group/app")).toEqual(["example.com/group/app", "example.com/group", "example.com"]);
    expect(discoveryUrl("example.com/app", "https")).toBe("https://example.com/app?ac-discovery=1");
  });

  test("reads the ac- meta tags, however they are quoted and cased", () => {
    expect(parseDiscoveryMeta(PAGE)).toEqual([
      { name: "ac-discovery", prefix: "example.com", uri: "https://storage.example.com/{os}/{arch}/{name}-{version}.{ext}" },
      { name: "ac-discovery", prefix: "example.com/app", uri: "https://mirror.example.com/{name}.{ext}?v={version}&x=1" },
      { name: "ac-discovery-pubkeys", prefix: "example.com", uri: "https://example.com/pubkeys.gpg" },
      { name: "ac-discovery", prefix: "other.org", uri: "https://other.org/{name}.{ext}" },
    ]);
  });

  test("renders templates with the name, labels and ext; version defaults to latest", () => {
    const meta = parseDiscoveryMeta(PAGE);
    expect(aciEndpoints(meta, { name: "example.com/app", labels: { version: "1.0", os: "linux", arch: "amd64" } })).toEqual([
      { aci: "https://storage.example.com/linux/amd64/example.com/app-1.0.aci", asc: "https://storage.example.com/linux/amd64/example.com/app-1.0.aci.asc" },
      { aci: "https://mirror.example.com/example.com/app.aci?v=1.0&x=1", asc: "https://mirror.example.com/example.com/app.aci.asc?v=1.0&x=1" },
    ]);
    expect(aciEndpoints(meta, { name: "example.com/tool", labels: { os: "linux", arch: "amd64" } })).toEqual([
      { aci: "https://storage.example.com/linux/amd64/example.com/tool-latest.aci", asc: "https://storage.example.com/linux/amd64/example.com/tool-latest.aci.asc" },
    ]);
  });

  test("a template with a variable the app does not have is skipped", () => {
    const meta = parseDiscoveryMeta(PAGE);
    expect(aciEndpoints(meta, { name: "example.com/tool", labels: {} })).toEqual([]);
    expect(renderTemplate("{a}-{b}", { a: "1" })).toBeUndefined();
    expect(renderTemplate("{a}-{a}", { a: "1" })).toBe("1-1");
  });

  test("lists key locations for the name", () => {
    const meta = parseDiscoveryMeta(PAGE);
    expect(pubkeyLocations(meta, "example.com/app")).toEqual(["https://example.com/pubkeys.gpg"]);
    expect(pubkeyLocations(meta, "other.org/app")).toEqual([]);
  });
});
