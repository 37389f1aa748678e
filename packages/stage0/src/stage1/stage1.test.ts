// Stage1 packages: what is checked before any code loads, installing versions side by side
// (from directories and from untrusted .tgz files), the cache, and the API link.
import { isStage1Error } from "@rkt/stage1-api";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { rawTar, type RawEntry } from "../../../../test/fixtures/rawtar.js";
import { cachedStage1, ensureApiLink, hostApiDir, installedStage1s, installStage1, removeStage1 } from "./installed.js";
import { checkProtocol, readStage1Package } from "./package-info.js";
import { parseNameVersion } from "./select.js";

let root: string;
let dataDir: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "rkt-unit-stage1-"));
  dataDir = join(root, "data");
  mkdirSync(dataDir);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function pkgJson(name: string, version: string, protocol = "^1.0.0", extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ name: `stage1-${name}`, version, type: "module", rkt: { stage1: { name, protocol, entry: "./index.js" } }, ...extra });
}

function pluginDir(name: string, version: string, protocol?: string, extra?: Record<string, unknown>): string {
  const dir = join(root, `${name}-${version}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), pkgJson(name, version, protocol, extra));
  writeFileSync(join(dir, "index.js"), "export default {};\n");
  return dir;
}

function packed(entries: RawEntry[]): string {
  const file = join(root, `p-${Math.random().toString(36).slice(2)}.tgz`);
  writeFileSync(file, gzipSync(rawTar(entries)));
  return file;
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error");
}

async function rejected(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

describe("protocol ranges", () => {
  const pkg = (protocol: string) => ({ ...readStage1Package(pluginDir("p", "2.1.0")), protocol });
  test("a range that includes the host's protocol passes", () => {
    for (const r of ["^1.0.0", "1.x", ">=1.0.0 <2.0.0", "~1.0.0", "1.0.0", "^1.0.0 || ^2.0.0"]) checkProtocol(pkg(r), "1.0.0");
  });
  test("an incompatible range: one message with both sides", () => {
    const err = caught(() => checkProtocol(pkg("^2.0.0"), "1.3.0"));
    expect(isStage1Error(err)).toBe(true);
    expect(err.message).toBe("stage1 p@2.1.0 speaks ^2.0.0; this rkt speaks 1.3.0");
  });
  test("too loose or invalid ranges are refused", () => {
    for (const r of ["*", ">=1.0.0", "x", "^0.1.0", "1.0.0 || >=3"]) {
      expect(caught(() => checkProtocol(pkg(r), "1.0.0")).message).toMatch(/too loose/);
    }
    expect(caught(() => checkProtocol(pkg("not a range"), "1.0.0")).message).toBe(`stage1 p@2.1.0 declares an invalid protocol range "not a range"`);
  });
  test("package.json: names, versions and entries are checked", () => {
    const dir = pluginDir("ok", "1.0.0");
    writeFileSync(join(dir, "package.json"), pkgJson("Bad Name", "1.0.0"));
    expect(caught(() => readStage1Package(dir)).message).toMatch(/"rkt.stage1.name": stage1 name "Bad Name" is not valid/);
    for (const bad of ["../x", "..", "a/b", "x\n", "ａ"]) {
      writeFileSync(join(dir, "package.json"), pkgJson(bad, "1.0.0"));
      expect(caught(() => readStage1Package(dir)).message).toMatch(/stage1 name .* is not valid/);
    }
    // A version is a directory name: only its exact spelling (semver's valid() trims " 1.0.0\n").
    for (const bad of ["one", " 1.0.0", "1.0.0\n", "v1.0.0", "1.0.0/../../x", `1.0.0-${"a".repeat(300)}`]) {
      writeFileSync(join(dir, "package.json"), pkgJson("ok", bad));
      expect(caught(() => readStage1Package(dir)).message).toMatch(/"version": stage1 version .* is not a valid semantic version/);
    }
    for (const deps of [{ dependencies: { "../../../../tmp/x": "1.0.0" } }, { bundleDependencies: ["a/../../b"] }, { bundledDependencies: [".."] }]) {
      writeFileSync(join(dir, "package.json"), JSON.stringify({ ...JSON.parse(pkgJson("ok", "1.0.0")), ...deps }));
      expect(caught(() => readStage1Package(dir)).message).toMatch(/package name .* is not a valid npm package name/);
    }
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "x", version: "1.0.0", rkt: { stage1: { name: "x", protocol: "^1.0.0", entry: "../../etc/passwd" } } }));
    expect(caught(() => readStage1Package(dir)).message).toMatch(/points outside the package/);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "x", version: "1.0.0" }));
    expect(caught(() => readStage1Package(dir)).message).toMatch(/not a stage1 package/);
  });
});

describe("installing", () => {
  test("versions side by side, each with a link to the host's API", async () => {
    for (const v of ["1.0.0", "1.2.0"]) {
      const { pkg, replaced } = await installStage1(dataDir, pluginDir("mine", v), { replace: false, builtins: [] });
      expect(pkg.location).toBe(join(dataDir, "stage1", "mine", v));
      expect(replaced).toBe(false);
    }
    const list = installedStage1s(dataDir);
    expect(list.map((i) => [i.name, i.version, i.error])).toEqual([
      ["mine", "1.0.0", undefined],
      ["mine", "1.2.0", undefined],
    ]);
    expect(readlinkSync(join(dataDir, "stage1/mine/1.0.0/node_modules/@rkt/stage1-api"))).toBe(hostApiDir());
    expect(existsSync(join(hostApiDir(), "package.json"))).toBe(true);
  });

  test("refusals leave nothing behind", async () => {
    const again = pluginDir("mine", "1.0.0");
    await installStage1(dataDir, again, { replace: false, builtins: [] });
    expect((await rejected(installStage1(dataDir, again, { replace: false, builtins: [] }))).message).toMatch(/already installed .* \(use --replace/);
    expect((await installStage1(dataDir, again, { replace: true, builtins: [] })).replaced).toBe(true);
    expect((await rejected(installStage1(dataDir, pluginDir("fly", "1.0.0"), { replace: false, builtins: [{ name: "fly", version: "1.0.0" }] }))).message).toMatch(
      /is built into rkt/,
    );
    expect((await rejected(installStage1(dataDir, pluginDir("new", "1.0.0", "^3.0.0"), { replace: false, builtins: [] }))).message).toBe(
      "stage1 new@1.0.0 speaks ^3.0.0; this rkt speaks 1.2.0",
    );
    const deps = pluginDir("deps", "1.0.0", undefined, { dependencies: { lodash: "4.17.21" } });
    expect((await rejected(installStage1(dataDir, deps, { replace: false, builtins: [] }))).message).toMatch(/depends on lodash, which it does not bundle/);
    expect((await rejected(installStage1(dataDir, join(root, "nothing"), { replace: false, builtins: [] }))).message).toMatch(/no such file or directory/);
    expect(installedStage1s(dataDir).map((i) => i.name)).toEqual(["mine"]);
    expect(readFileSync(join(dataDir, "stage1", "mine", "1.0.0", "package.json"), "utf8")).toContain('"mine"');
    // No temporary directories are left over.
    expect(existsSync(join(dataDir, "stage1"))).toBe(true);
    expect(readdirSync(join(dataDir, "stage1"))).toEqual(["mine"]);
  });

  test("a directory's node_modules: only bundled dependencies are copied", async () => {
    const dir = pluginDir("bund", "1.0.0", undefined, { dependencies: { dep: "1.0.0" }, bundleDependencies: ["dep"] });
    for (const m of ["dep", "devonly", "@rkt/stage1-api"]) {
      mkdirSync(join(dir, "node_modules", m), { recursive: true });
      writeFileSync(join(dir, "node_modules", m, "package.json"), JSON.stringify({ name: m, version: "1.0.0" }));
    }
    const { pkg } = await installStage1(dataDir, dir, { replace: false, builtins: [] });
    expect(existsSync(join(pkg.location, "node_modules/dep/package.json"))).toBe(true);
    expect(existsSync(join(pkg.location, "node_modules/devonly"))).toBe(false);
    expect(lstatSync(join(pkg.location, "node_modules/@rkt/stage1-api")).isSymbolicLink()).toBe(true);
  });

  test("a packed .tgz: npm's package/ prefix; hostile archives are refused", async () => {
    const tgz = packed([
      { path: "package/package.json", content: pkgJson("packed", "1.3.0") },
      { path: "package/index.js", content: "export default {};\n" },
    ]);
    const { pkg } = await installStage1(dataDir, tgz, { replace: false, builtins: [] });
    expect([pkg.name, pkg.version]).toEqual(["packed", "1.3.0"]);
    for (const evil of [
      [{ path: "package/package.json", content: pkgJson("evil", "1.0.0") }, { path: "package/../../../escaped", content: "x" }],
      [{ path: "package/package.json", content: pkgJson("evil", "1.0.0") }, { path: "package/link", type: "symlink" as const, linkname: "/etc" }, { path: "package/link/passwd", content: "x" }],
      [{ path: "package/package.json", content: pkgJson("evil", "1.0.0") }, { path: "package/dev", type: "char" as const }],
    ]) {
      const err = await rejected(installStage1(dataDir, packed(evil), { replace: false, builtins: [] }));
      expect(isStage1Error(err)).toBe(true);
    }
    expect(existsSync(join(root, "escaped"))).toBe(false);
    expect(installedStage1s(dataDir).map((i) => i.name)).toEqual(["packed"]);
  });

  test("the cache unpacks a .tgz once, by content", async () => {
    const tgz = packed([
      { path: "package/package.json", content: pkgJson("cached", "1.0.0") },
      { path: "package/index.js", content: "export default {};\n" },
    ]);
    const a = await cachedStage1(dataDir, tgz);
    const b = await cachedStage1(dataDir, tgz);
    expect(a.location).toBe(b.location);
    expect(a.location).toMatch(/\/stage1\/\.cache\/[0-9a-f]{64}$/);
    expect(installedStage1s(dataDir)).toEqual([]); // cached is not installed
  });

  test("remove: one version, or the only one; an ambiguous name is refused", async () => {
    for (const v of ["1.0.0", "2.0.0"]) await installStage1(dataDir, pluginDir("rm", v), { replace: false, builtins: [] });
    expect(caught(() => removeStage1(dataDir, "rm")).message).toBe("several versions of stage1 rm are installed (1.0.0, 2.0.0): name one as rm:VERSION");
    expect(removeStage1(dataDir, "rm", "1.0.0").version).toBe("1.0.0");
    expect(removeStage1(dataDir, "rm").version).toBe("2.0.0");
    expect(existsSync(join(dataDir, "stage1", "rm"))).toBe(false);
    expect(caught(() => removeStage1(dataDir, "rm")).message).toBe("stage1 rm is not installed");
  });

  test("the API link is repaired when it points elsewhere (rkt moved) or is a real copy", async () => {
    const { pkg } = await installStage1(dataDir, pluginDir("link", "1.0.0"), { replace: false, builtins: [] });
    const link = join(pkg.location, "node_modules/@rkt/stage1-api");
    rmSync(link);
    symlinkSync("/nonexistent/old/rkt/stage1-api", link);
    ensureApiLink(pkg.location);
    expect(readlinkSync(link)).toBe(hostApiDir());
    rmSync(link);
    mkdirSync(link);
    writeFileSync(join(link, "package.json"), "{}");
    ensureApiLink(pkg.location);
    expect(readlinkSync(link)).toBe(hostApiDir());
  });

  test("installed versions whose package is broken are listed with the reason", async () => {
    const { pkg } = await installStage1(dataDir, pluginDir("broken", "1.0.0"), { replace: false, builtins: [] });
    rmSync(join(pkg.location, "index.js"));
    expect(installedStage1s(dataDir)[0]!.error).toBe(`stage1 broken@1.0.0: its entry ${pkg.location}/index.js is missing`);
    writeFileSync(join(pkg.location, "package.json"), pkgJson("other", "1.0.0"));
    expect(installedStage1s(dataDir)[0]!.error).toBe(`${pkg.location} holds other@1.0.0, not broken@1.0.0`);
  });
});

test("NAME[:VERSION]", () => {
  expect(parseNameVersion("hello")).toEqual({ name: "hello" });
  expect(parseNameVersion("hello:1.2.0")).toEqual({ name: "hello", version: "1.2.0" });
  expect(parseNameVersion("coreos.com/rkt/stage1-fly:1.30.0")).toEqual({ name: "coreos.com/rkt/stage1-fly", version: "1.30.0" });
});
