// rkt image *, rkt config and rkt completion with rkt's semantics and formats.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci, manifestFor } from "./fixtures/aci.js";
import { Sandbox } from "./helpers/rkt.js";

const sb = new Sandbox("images");
const INSECURE = "--insecure-options=image";
let aciFile: string;
let key: string;
let otherKey: string;

beforeAll(async () => {
  aciFile = buildAci(sb.path("a.aci"), { name: "example.com/imga", version: "1.0", files: { "inspect": { content: "#!/bin/sh\necho inspect\n", mode: 0o755 } } });
  const other = buildAci(sb.path("b.aci"), { name: "example.com/imgb", version: "2.0" });
  key = (await sb.rkt([INSECURE, "fetch", "--full", aciFile])).stdout.trim();
  otherKey = (await sb.rkt([INSECURE, "fetch", "--full", other])).stdout.trim();
  expect(key).toMatch(/^sha512-[0-9a-f]{64}$/);
});
afterAll(() => sb.cleanup());

describe("rkt image list", () => {
  test("columns, --no-legend, --fields, --full", async () => {
    const r = await sb.rkt(["image", "list"]);
    expect(r.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+SIZE\s+IMPORT TIME\s+LAST USED$/);
    expect(r.stdout).toMatch(/sha512-[0-9a-f]{12}\s+example\.com\/imga:1\.0\s+\d+(\.\d)?[KM]iB\s/);
    const noLegend = await sb.rkt(["image", "list", "--no-legend"]);
    expect(noLegend.stdout).not.toMatch(/^ID/);
    const names = await sb.rkt(["image", "list", "--no-legend", "--fields=name"]);
    expect(names.stdout).not.toContain("sha512");
    expect(names.stdout.trim().split("\n").sort()).toEqual(["example.com/imga:1.0", "example.com/imgb:2.0"]);
    const full = await sb.rkt(["image", "list", "--no-legend", "--fields=id", "--full"]);
    expect(full.stdout.trim().split("\n").sort()).toEqual([key, otherKey].sort());
  });

  test("--sort and --order", async () => {
    const asc = await sb.rkt(["image", "list", "--no-legend", "--fields=name", "--sort=name", "--order=asc"]);
    expect(asc.stdout).toBe("example.com/imga:1.0\nexample.com/imgb:2.0\n");
    const desc = await sb.rkt(["image", "list", "--no-legend", "--fields=name", "--sort=name", "--order=desc"]);
    expect(desc.stdout).toBe("example.com/imgb:2.0\nexample.com/imga:1.0\n");
  });

  test("json formats", async () => {
    const json = await sb.rkt(["image", "list", "--format=json"]);
    expect(json.stdout.startsWith("[{")).toBe(true);
    const list = JSON.parse(json.stdout) as { id: string; name: string; size: number; import_time: number }[];
    expect(list.map((i) => i.id).sort()).toEqual([key, otherKey].sort());
    expect(list[0]!.import_time).toBeGreaterThan(1e18);
    const pretty = await sb.rkt(["image", "list", "--format=json-pretty"]);
    expect(pretty.stdout).toContain('"id": "');
  });

  test("short IDs: too short, unknown and unique prefixes", async () => {
    const short = await sb.rkt(["image", "cat-manifest", "sha512-a"]);
    expect(short.code).toBe(254);
    expect(short.stderr).toMatch(/image ID too short/);
    const missing = await sb.rkt(["image", "cat-manifest", "sha512-00000000000000"]);
    expect(missing.code).toBe(254);
    expect(missing.stderr).toMatch(/no image IDs found/);
    const ok = await sb.rkt(["image", "cat-manifest", key.slice(0, 19)]);
    expect(ok.code).toBe(0);
  });
});

describe("rkt image cat-manifest, export, extract, render", () => {
  test("cat-manifest prints the manifest exactly as imported", async () => {
    const r = await sb.rkt(["image", "cat-manifest", "--pretty-print=false", "example.com/imga:1.0"]);
    expect(r.stdout.trim()).toBe(JSON.stringify(manifestFor({ name: "example.com/imga", version: "1.0" })));
    const pretty = await sb.rkt(["image", "cat-manifest", key]);
    expect(JSON.parse(pretty.stdout).name).toBe("example.com/imga");
  });

  test("export writes a file whose sha512 is the image ID", async () => {
    const out = sb.path("export.aci");
    expect((await sb.rkt(["image", "export", key, out])).code).toBe(0);
    const digest = createHash("sha512").update(readFileSync(out)).digest("hex");
    expect(`sha512-${digest.slice(0, 64)}`).toBe(key);
    expect(digest).toBe(createHash("sha512").update(gunzipSync(readFileSync(aciFile))).digest("hex"));
    const again = await sb.rkt(["image", "export", key, out]);
    expect(again.code).toBe(254);
    expect(again.stderr).toMatch(/already exists; use --overwrite/);
    expect((await sb.rkt(["image", "export", "--overwrite", key, out])).code).toBe(0);
    expect((await sb.rkt(["image", "export", "sha512-0000", sb.path("x.aci")])).code).toBe(254);
  });

  test("extract and render, with and without --rootfs-only", async () => {
    const dir = sb.path("extracted");
    expect((await sb.rkt(["image", "extract", key, dir])).code).toBe(0);
    expect(JSON.parse(readFileSync(`${dir}/manifest`, "utf8")).name).toBe("example.com/imga");
    expect(readFileSync(`${dir}/rootfs/inspect`, "utf8")).toContain("echo inspect");
    const rootfsOnly = sb.path("rootfs-only");
    expect((await sb.rkt(["image", "render", "--rootfs-only", "example.com/imga", rootfsOnly])).code).toBe(0);
    expect(existsSync(`${rootfsOnly}/inspect`)).toBe(true);
    expect(existsSync(`${rootfsOnly}/manifest`)).toBe(false);
    const refused = await sb.rkt(["image", "render", key, rootfsOnly]);
    expect(refused.code).toBe(254);
    expect((await sb.rkt(["image", "render", "--overwrite", key, rootfsOnly])).code).toBe(0);
    expect(existsSync(`${rootfsOnly}/rootfs/inspect`)).toBe(true);
  });

  test("verify detects a damaged tree and repairs it", async () => {
    const trees = readdirSync(`${sb.dataDir}/cas/tree`).filter((t) => t.startsWith("deps-"));
    for (const t of trees) rmSync(`${sb.dataDir}/cas/tree/${t}/rootfs/inspect`, { force: true });
    const bad = await sb.rkt(["image", "verify", key]);
    expect(bad.stderr).toMatch(/tree cache verification failed for image/);
    const good = await sb.rkt(["image", "verify", key]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/successfully verified checksum for image/);
  });
});

describe("rkt image rm and gc", () => {
  test("the size of a rendered image is rkt's: the ACI plus its tree store directory, counted as rkt counts it", async () => {
    // As rkt's TestImageSize: the tree directory is what `image render` writes (manifest and
    // rootfs) plus the hash, image and rendered files; rkt's DirSize counts every entry, the
    // directory itself included, and a hard-linked file once.
    const dirSize = (root: string): number => {
      const seen = new Set<number>();
      let total = 0;
      const walk = (p: string): void => {
        const st = lstatSync(p);
        if (st.nlink > 1 && !st.isDirectory()) {
          if (seen.has(st.ino)) return;
          seen.add(st.ino);
        }
        total += st.size;
        if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
      };
      walk(root);
      return total;
    };
    const out = sb.path("render-size");
    expect((await sb.rkt(["image", "render", "--overwrite", key, out])).code).toBe(0);
    for (const f of ["hash", "image"]) writeFileSync(join(out, f), key);
    writeFileSync(join(out, "rendered"), "");
    const list = await sb.rkt(["image", "list", "--full", "--no-legend", "--fields=id,size"]);
    const aci = gunzipSync(readFileSync(aciFile)).length;
    expect(list.stdout).toContain(`${key}\t${aci + dirSize(out)}\n`);
  });

  test("size grows by the rendered tree, image gc keeps trees in use", async () => {
    const local = new Sandbox("imagegc");
    try {
      const file = buildAci(local.path("c.aci"), { name: "example.com/imgc" });
      const id = (await local.rkt([INSECURE, "fetch", "--full", file])).stdout.trim();
      const sizeOf = async (): Promise<number> =>
        (JSON.parse((await local.rkt(["image", "list", "--format=json"])).stdout) as { size: number }[])[0]!.size;
      const blobSize = readFileSync(`${local.dataDir}/cas/blob/sha512/${id.slice(7, 9)}/${id}`).length;
      const withTree = await sizeOf();
      expect(withTree).toBeGreaterThan(blobSize);
      const uuid = (await local.rkt(["prepare", "--stage1-name=fly", id])).stdout.trim();
      const gc1 = await local.rkt(["image", "gc", "--grace-period=24h"]);
      expect(gc1.code).toBe(0);
      expect(readdirSync(`${local.dataDir}/cas/tree`).filter((t) => t.startsWith("deps-"))).toHaveLength(1);
      await local.rkt(["rm", uuid]);
      const gc2 = await local.rkt(["image", "gc", "--grace-period=24h"]);
      expect(gc2.stderr).toMatch(/removed treestore "deps-sha512-/);
      expect(readdirSync(`${local.dataDir}/cas/tree`).filter((t) => t.startsWith("deps-"))).toHaveLength(0);
      expect(await sizeOf()).toBe(blobSize);
      const gc3 = await local.rkt(["image", "gc", "--grace-period=0s"]);
      expect(gc3.code).toBe(0);
      expect((await local.rkt(["image", "list", "--no-legend"])).stdout).toBe("");
    } finally {
      local.cleanup();
    }
  });

  test("rm by name and by ID, and a prepared pod still runs after its image is removed", async () => {
    const uuid = (await sb.rkt(["prepare", "--stage1-name=fly", otherKey])).stdout.trim();
    const rm = await sb.rkt(["image", "rm", "example.com/imgb:2.0", otherKey]);
    expect(rm.code).toBe(0);
    expect(rm.stdout).toBe(`successfully removed aci for image: "${otherKey}"\n`);
    expect(rm.stderr).toBe("rm: 1 image(s) successfully removed\n");
    const list = await sb.rkt(["list", "--no-legend"]);
    expect(list.stdout).toContain("example.com/imgb:2.0");
    const run = await sb.rkt(["run-prepared", uuid]);
    expect(run.stdout).toBe("hello\n");
    expect(run.code).toBe(0);
    const missing = await sb.rkt(["image", "rm", otherKey]);
    expect(missing.code).toBe(254);
    await sb.rkt(["rm", uuid]);
  });
});

describe("rkt config and completion", () => {
  test("config prints paths and stage1 configuration from the config dirs", async () => {
    mkdirSync(`${sb.localConfig}/stage1.d`, { recursive: true });
    writeFileSync(`${sb.localConfig}/stage1.d/s.json`, JSON.stringify({ rktKind: "stage1", rktVersion: "v1", name: "fly", version: "1.0.0" }));
    mkdirSync(`${sb.systemConfig}/paths.d`, { recursive: true });
    writeFileSync(`${sb.systemConfig}/paths.d/p.json`, JSON.stringify({ rktKind: "paths", rktVersion: "v1", "stage1-images": "/opt/s1" }));
    const r = await sb.rkt(["config"]);
    expect(r.code).toBe(0);
    const cfg = JSON.parse(r.stdout) as { stage0: Record<string, string>[] };
    expect(cfg.stage0).toContainEqual({ rktVersion: "v1", rktKind: "paths", data: sb.dataDir, "stage1-images": "/opt/s1" });
    expect(cfg.stage0).toContainEqual({ rktVersion: "v1", rktKind: "stage1", name: "fly", version: "1.0.0" });
    writeFileSync(`${sb.localConfig}/stage1.d/bad.json`, "{ nope");
    const bad = await sb.rkt(["config"]);
    expect(bad.code).toBe(254);
    expect(bad.stderr).toMatch(/stage1\.d\/bad\.json: invalid configuration file/);
    rmSync(`${sb.localConfig}/stage1.d`, { recursive: true });
  });

  test("completion bash is a script bash accepts", async () => {
    const r = await sb.rkt(["completion", "bash"]);
    expect(r.code).toBe(0);
    writeFileSync(sb.path("completion.bash"), r.stdout);
    const out = execFileSync("bash", ["-c", `source ${sb.path("completion.bash")}; COMP_WORDS=(rkt ima); COMP_CWORD=1; _rkt; echo "\${COMPREPLY[@]}"`], { encoding: "utf8" });
    expect(out.trim()).toBe("image");
    const sub = execFileSync("bash", ["-c", `source ${sb.path("completion.bash")}; COMP_WORDS=(rkt image l); COMP_CWORD=2; _rkt; echo "\${COMPREPLY[@]}"`], { encoding: "utf8" });
    expect(sub.trim()).toBe("list");
  });
});
