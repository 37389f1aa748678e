// Hostile images from a registry: layers that try to write outside their root, a registry
// that serves tampered, truncated or malformed content. Each fetch ends with exit 254 and
// one line, the host is untouched, and the store holds nothing of the image.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Layout, layerFromEntries, push, type Layer } from "./fixtures/oci.js";
import type { RawEntry } from "./fixtures/rawtar.js";
import { Sandbox } from "./helpers/rkt.js";
import { Registry } from "./helpers/registry.js";

const FETCH = ["--insecure-options=image,http", "fetch"];

describe("hostile images and a misbehaving registry", () => {
  let sb!: Sandbox;
  beforeAll(() => {
    sb = new Sandbox("oci-hostile");
    outside = sb.path("outside");
  });
  let reg: Registry;
  let outside = "";
  const layouts = new Map<string, { layout: Layout; manifest: string }>();

  async function image(name: string, layers: RawEntry[][]): Promise<void> {
    const layout = new Layout(sb.path("layouts", name));
    const m = layout.image({ layers: layers.map((l): Layer => layerFromEntries(l)), config: { Cmd: ["/bin/true"] } });
    layout.tag("t", m);
    layouts.set(name, { layout, manifest: m.digest });
    await push(layout.dir, "t", `${reg.host}/${name}:t`);
  }

  function layerDigests(name: string): string[] {
    const { layout, manifest } = layouts.get(name)!;
    return JSON.parse(readFileSync(layout.blobPath(manifest), "utf8")).layers.map((l: { digest: string }) => l.digest);
  }

  function leftovers(): string[] {
    const out: string[] = [];
    for (const sub of ["cas/blob", "cas/tree", "cas/tmp"]) {
      const dir = join(sb.dataDir, sub);
      if (!existsSync(dir)) continue;
      out.push(...execFileSync("find", [dir, "-mindepth", "1", "-not", "-type", "d"], { encoding: "utf8" }).split("\n").filter(Boolean));
    }
    return out;
  }

  async function expectRejected(name: string, message: RegExp): Promise<string> {
    const r = await sb.rkt([...FETCH, `docker://${reg.host}/${name}:t`]);
    expect(r.code).toBe(254);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(leftovers()).toEqual([]);
    expect((await sb.rkt(["image", "list", "--no-legend"])).stdout).toBe("");
    return r.stderr;
  }

  beforeAll(async () => {
    reg = await Registry.start();
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, "victim"), "untouched");
    await image("dotdot", [[{ path: "ok", content: "ok" }, { path: "../../escaped", content: "x" }]]);
    await image("absolute", [[{ path: "/tmp/rkt-oci-absolute-escape", content: "x" }]]);
    await image("symlink-through", [
      [{ path: "link", type: "symlink", linkname: outside }],
      [{ path: "link/victim", content: "overwritten" }],
    ]);
    await image("symlink-relative", [
      [{ path: "up", type: "symlink", linkname: "../../../../../../../../.." }],
      [{ path: `up${outside}/victim`, content: "overwritten" }],
    ]);
    await image("hardlink-host", [[{ path: "passwd", type: "hardlink", linkname: "/etc/passwd" }]]);
    await image("hardlink-up", [[{ path: "pw", type: "hardlink", linkname: "../../../../../../etc/passwd" }]]);
    await image("whiteout-escape", [[{ path: "x", content: "x" }], [{ path: ".wh...", content: "" }]]);
    await image("good", [[{ path: "a", content: "a".repeat(4096) }], [{ path: "b", content: "b".repeat(4096) }]]);
    await image("good2", [[{ path: "c", content: "c".repeat(4096) }]]);
  });

  afterAll(async () => {
    await reg?.stop();
    sb?.cleanup();
  });

  test("a `..` entry", async () => {
    await expectRejected("dotdot", /layer sha256:[0-9a-f]{64}: \.\.\/\.\.\/escaped: path contains a "\.\." component/);
    expect(existsSync(join(sb.root, "escaped"))).toBe(false);
  });

  test("an absolute path", async () => {
    await expectRejected("absolute", /\/tmp\/rkt-oci-absolute-escape: path is absolute/);
    expect(existsSync("/tmp/rkt-oci-absolute-escape")).toBe(false);
  });

  test("a symlink placed by one layer and written through by the next (absolute and relative)", async () => {
    await expectRejected("symlink-through", /link\/victim: path traverses a symlink \("link"\)/);
    await expectRejected("symlink-relative", /path traverses a symlink \("up"\)/);
    expect(readFileSync(join(outside, "victim"), "utf8")).toBe("untouched");
  });

  test("hard links to host files", async () => {
    const before = statSync("/etc/passwd").nlink;
    await expectRejected("hardlink-host", /hard link target is absolute/);
    await expectRejected("hardlink-up", /hard link target contains a "\.\." component/);
    expect(statSync("/etc/passwd").nlink).toBe(before);
  });

  test("a whiteout naming ..", async () => {
    await expectRejected("whiteout-escape", /invalid whiteout name/);
  });

  test("a blob the registry serves with other content: digest mismatch", async () => {
    const [, second] = layerDigests("good");
    const file = reg.blobFile(second!);
    const original = readFileSync(file);
    const bad = Buffer.from(original);
    bad[bad.length - 10] ^= 0xff;
    writeFileSync(file, bad);
    try {
      await expectRejected("good", /layer sha256:[0-9a-f]{64} from registry 127\.0\.0\.1:\d+: digest mismatch: the content hashes to sha256:/);
    } finally {
      writeFileSync(file, original);
    }
  });

  test("a truncated blob", async () => {
    const [digest] = layerDigests("good2");
    const file = reg.blobFile(digest!);
    const original = readFileSync(file);
    truncateSync(file, original.length - 100);
    try {
      await expectRejected("good2", /truncated: got \d+ of \d+ bytes/);
    } finally {
      writeFileSync(file, original);
    }
    // the registry serves it whole again: the same fetch now works
    const ok = await sb.rkt([...FETCH, `docker://${reg.host}/good2:t`]);
    expect(ok.code).toBe(0);
    expect((await sb.rkt(["image", "rm", ok.stdout.trim()])).code).toBe(0);
    expect((await sb.rkt(["image", "gc", "--grace-period=0s"])).code).toBe(0); // its tree
    expect(leftovers()).toEqual([]);
  });

  test("a manifest whose bytes do not match the digest the registry announces", async () => {
    const { manifest } = layouts.get("good")!;
    const file = reg.blobFile(manifest);
    const original = readFileSync(file);
    writeFileSync(file, original.toString("utf8").replace('"schemaVersion":2', '"schemaVersion": 2'));
    try {
      await expectRejected("good", /manifest of .*good:t.*: content does not match the digest the registry announced/);
    } finally {
      writeFileSync(file, original);
    }
  });

  test("a malformed image config", async () => {
    const l = new Layout(sb.path("layouts", "badconfig"));
    const m = l.image({
      layers: [layerFromEntries([{ path: "x", content: "x" }])],
      rawConfig: JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: ["sha256:nothex"] } }),
    });
    l.tag("t", m);
    await push(l.dir, "t", `${reg.host}/badconfig:t`);
    await expectRejected("badconfig", /field "rootfs\.diff_ids\[0\]": "sha256:nothex" is not a digest/);
  });

  test("after all that, a good image fetches and nothing of the bad ones is in the store", async () => {
    const r = await sb.rkt([...FETCH, `docker://${reg.host}/good:t`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect((await sb.rkt(["image", "list", "--no-legend"])).stdout.trim().split("\n")).toHaveLength(1);
    expect(readdirSync(join(sb.dataDir, "cas", "tmp"))).toEqual([]);
  });
});
