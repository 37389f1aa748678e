// Untrusted images: every malformed or hostile ACI gets exit 254 with one clear message,
// leaves the store as it was, and writes nothing outside the store.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci, manifestFor } from "./fixtures/aci.js";
import { writeRawAci } from "./fixtures/rawtar.js";
import { Sandbox } from "./helpers/rkt.js";

const sb = new Sandbox("bad");
const manifest = manifestFor({ name: "example.com/bad", app: { exec: ["/bin/true"], user: "0", group: "0" } });

function storeBlobs(): string[] {
  const dir = `${sb.dataDir}/cas/blob`;
  if (!existsSync(dir)) return [];
  return execFileSync("find", [dir, "-type", "f"], { encoding: "utf8" }).split("\n").filter(Boolean);
}

async function expectRefused(file: string, pattern: RegExp): Promise<void> {
  const before = storeBlobs();
  const r = await sb.rkt(["--insecure-options=image", "fetch", file]);
  const errors = r.stderr
    .trim()
    .split("\n")
    .filter((l) => l !== "image: warning: image signature verification has been disabled");
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(pattern);
  expect(r.code).toBe(254);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(storeBlobs()).toEqual(before);
  expect(readdirSync(`${sb.dataDir}/cas/tmp`)).toEqual([]);
  const treeDir = `${sb.dataDir}/cas/tree`;
  if (existsSync(treeDir)) expect(readdirSync(treeDir).filter((n) => n.startsWith("."))).toEqual([]);
}

describe("malformed and hostile images", () => {
  beforeAll(() => {
    mkdirSync(sb.root, { recursive: true });
    // A sentinel directory beside the data dir: nothing may ever appear in it.
    mkdirSync(sb.path("outside"));
    mkdirSync(sb.dataDir, { recursive: true });
  });
  afterAll(() => sb.cleanup());

  test("a truncated archive", async () => {
    const file = buildAci(sb.path("trunc.aci"), { name: "example.com/trunc", compress: "none" });
    truncateSync(file, Math.floor(readFileSync(file).length / 2));
    await expectRefused(file, /trunc\.aci: error reading ACI: .*truncated/i);
  });

  test("a corrupt gzip stream", async () => {
    const file = buildAci(sb.path("corrupt.aci"), { name: "example.com/corrupt" });
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 200));
    await expectRefused(file, /corrupt\.aci: error reading ACI/);
  });

  test("a manifest that is not JSON", async () => {
    const file = buildAci(sb.path("badjson.aci"), { name: "example.com/badjson", rawManifest: "{ not json" });
    await expectRefused(file, /badjson\.aci.*manifest.*JSON/i);
  });

  test("a manifest without the os label", async () => {
    const file = buildAci(sb.path("noos.aci"), { name: "example.com/noos", labels: [{ name: "arch", value: "amd64" }] });
    const r = await sb.rkt(["--insecure-options=image", "run", "--stage1-name=fly", file]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/missing os label in the image manifest/);
  });

  test("a manifest without the arch label", async () => {
    const file = buildAci(sb.path("noarch.aci"), { name: "example.com/noarch", labels: [{ name: "os", value: "linux" }] });
    const r = await sb.rkt(["--insecure-options=image", "run", "--stage1-name=fly", file]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/missing arch label in the image manifest/);
  });

  test("a manifest with a bad field names the field", async () => {
    const file = writeRawAci(sb.path("badfield.aci"), { ...manifest, app: { exec: "/bin/true", user: "0", group: "0" } }, []);
    await expectRefused(file, /app\.exec/);
  });

  test("an entry with .. escaping the rootfs", async () => {
    const file = writeRawAci(sb.path("dotdot.aci"), manifest, [{ path: "rootfs/../../outside/escaped", content: "x" }]);
    await expectRefused(file, /\.\./);
    expect(readdirSync(sb.path("outside"))).toEqual([]);
  });

  test("an absolute entry path", async () => {
    const target = sb.path("outside", "abs");
    const file = writeRawAci(sb.path("abs.aci"), manifest, [{ path: target, content: "x" }]);
    await expectRefused(file, /abs\.aci/);
    expect(existsSync(target)).toBe(false);
  });

  test("a symlink to the host followed by a write through it", async () => {
    const file = writeRawAci(sb.path("symlink.aci"), manifest, [
      { path: "rootfs/escape", type: "symlink", linkname: sb.path("outside") },
      { path: "rootfs/escape/pwned", content: "x" },
    ]);
    await expectRefused(file, /symlink/);
    expect(readdirSync(sb.path("outside"))).toEqual([]);
  });

  test("a relative symlink climbing out, then a write through it", async () => {
    const file = writeRawAci(sb.path("symlink2.aci"), manifest, [
      { path: "rootfs/up", type: "symlink", linkname: "../../../../../../../../" },
      { path: `rootfs/up${sb.path("outside")}/pwned`, content: "x" },
    ]);
    await expectRefused(file, /symlink/);
    expect(readdirSync(sb.path("outside"))).toEqual([]);
  });

  test("a hard link to a host file", async () => {
    const file = writeRawAci(sb.path("hardlink.aci"), manifest, [{ path: "rootfs/passwd", type: "hardlink", linkname: "/etc/passwd" }]);
    await expectRefused(file, /hardlink\.aci/);
  });

  test("an entry outside manifest and rootfs/", async () => {
    const file = writeRawAci(sb.path("extra.aci"), manifest, [{ path: "extra-file", content: "x" }]);
    await expectRefused(file, /unexpected entry "extra-file"/);
  });

  test("the store still works after all of that", async () => {
    const ok = buildAci(sb.path("ok.aci"), { name: "example.com/ok" });
    const r = await sb.rkt(["--insecure-options=image", "fetch", ok]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sha512-[0-9a-f]{32}\n$/);
  });
});

describe("concurrent fetches", () => {
  const cb = new Sandbox("concurrent");
  afterAll(() => cb.cleanup());

  test("two concurrent fetches of one image both succeed and store it once", async () => {
    const file = buildAci(cb.path("img.aci"), { name: "example.com/concurrent", files: { big: "x".repeat(4 << 20) } });
    const [a, b] = await Promise.all([
      cb.rkt(["--insecure-options=image", "fetch", file]),
      cb.rkt(["--insecure-options=image", "fetch", file]),
    ]);
    expect(a.stderr + b.stderr).not.toMatch(/error/i);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const list = await cb.rkt(["image", "list", "--no-legend", "--full", "--fields=id"]);
    expect(list.stdout.trim().split("\n")).toHaveLength(1);
    const blobs = execFileSync("find", [`${cb.dataDir}/cas/blob`, "-type", "f"], { encoding: "utf8" }).trim().split("\n");
    expect(blobs).toHaveLength(1);
    const trees = readdirSync(`${cb.dataDir}/cas/tree`);
    expect(trees.filter((t) => t.startsWith("deps-"))).toHaveLength(1);
    expect(trees.filter((t) => t.startsWith("."))).toEqual([]);
  });
});
