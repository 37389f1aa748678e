import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { formatFingerprint } from "./fingerprint.js";
import { Keystore } from "./keystore.js";

const FP1 = "8b86de38890ddb7291867b025210bd8888182190";
const FP2 = "b346e31de7e4c7a25e474fb0f3c29a77ab1432e4";

describe("Keystore", () => {
  let root: string;
  let ks: Keystore;
  const put = (dir: string, fp: string, content = "key"): void => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, fp), content);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "rkt-keystore-"));
    ks = new Keystore({ system: join(root, "lib"), local: join(root, "etc") });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("lays keys out as rkt", () => {
    expect(ks.keyPath({ kind: "root" }, FP1.toUpperCase())).toBe(join(root, "etc/trustedkeys/root.d", FP1));
    expect(ks.keyPath({ kind: "prefix", prefix: "coreos.com/etcd" }, FP1)).toBe(join(root, "etc/trustedkeys/prefix.d/coreos.com/etcd", FP1));
  });

  test("a key applies to its prefix and the names below it, by path component", () => {
    put(ks.prefixDir("example.com/app"), FP1);
    expect(ks.keysFor("example.com/app").map((k) => k.fingerprint)).toEqual([FP1]);
    expect(ks.keysFor("example.com/app/sub").map((k) => k.fingerprint)).toEqual([FP1]);
    expect(ks.keysFor("example.com/apple")).toEqual([]);
    expect(ks.keysFor("example.com")).toEqual([]);
    expect(ks.keysFor("other.com/app")).toEqual([]);
  });

  test("root keys apply to every name; system and local keys both count", () => {
    put(ks.rootDir("system"), FP1);
    put(ks.prefixDir("example.com", "local"), FP2);
    expect(ks.keysFor("example.com/x").map((k) => [k.fingerprint, k.scope.kind])).toEqual([
      [FP1, "root"],
      [FP2, "prefix"],
    ]);
    expect(ks.keysFor("foo.org/x").map((k) => k.fingerprint)).toEqual([FP1]);
  });

  test("an empty local file masks a system key", () => {
    put(ks.rootDir("system"), FP1);
    put(ks.prefixDir("example.com", "system"), FP2);
    put(ks.rootDir("local"), FP1, "");
    put(ks.prefixDir("example.com", "local"), FP2, "");
    expect(ks.keysFor("example.com/x")).toEqual([]);
  });

  test("files not named like fingerprints are not keys", () => {
    put(ks.rootDir("local"), "README");
    put(ks.rootDir("local"), `${FP1}~`);
    expect(ks.keysFor("example.com/x")).toEqual([]);
  });

  test("prefixHasKeys looks at the prefix and its parents, not at root keys", () => {
    put(ks.rootDir("local"), FP1);
    expect(ks.prefixHasKeys("example.com/app")).toBe(false);
    put(ks.prefixDir("example.com", "system"), FP2);
    expect(ks.prefixHasKeys("example.com/app")).toBe(true);
    expect(ks.prefixHasKeys("other.com/app")).toBe(false);
  });

  test("store writes the bytes as given, and has() finds them", () => {
    const path = ks.store({ kind: "prefix", prefix: "example.com/app" }, FP1, Buffer.from("armoured"));
    expect(path).toBe(join(root, "etc/trustedkeys/prefix.d/example.com/app", FP1));
    expect(ks.has({ kind: "prefix", prefix: "example.com/app" }, FP1)).toBe(true);
    expect(ks.has({ kind: "root" }, FP1)).toBe(false);
  });

  test("a prefix must be an AC identifier", () => {
    expect(() => ks.keysFor("Example.com/App")).toThrow(/invalid prefix/);
    expect(() => ks.prefixDir("../etc")).toThrow(/invalid prefix/);
  });
});

test("fingerprints are shown as rkt shows them", () => {
  expect(formatFingerprint(FP1)).toBe("8B86 DE38 890D DB72 9186  7B02 5210 BD88 8818 2190");
});
