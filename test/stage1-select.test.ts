// Selecting a stage1 as rkt does (rkt.md 2.8, rkt_stage1_loading_test): every --stage1-*
// flag, the stage1.d configuration and paths.d's stage1 images directory, rkt's mutual
// exclusion messages. Images run through the bridge with the shell stage1 of
// examples/stage1-shell; plugins are the builtins.
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createReadStream } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { buildShellStage1 } from "./fixtures/stage1.js";
import { Sandbox, type Result } from "./helpers/rkt.js";
import { discoveryPage, loopbackAddress, TestCA, TestServer } from "./helpers/servers.js";

const sb = new Sandbox("stage1-select");
const INSECURE = "--insecure-options=image";
let app: string;
let stage1: string;
let server: Server;
let base: string;
const requests: string[] = [];
let flyVersion: string;

/** Runs a pod with the given stage1 flags; returns the result and the pod's stage1 record. */
async function runWith(flags: string[], opts: { debug?: boolean; cwd?: string } = {}): Promise<{ r: Result; record: Record<string, unknown> }> {
  const uuidFile = sb.path(`u-${Math.random().toString(36).slice(2)}`);
  const r = await sb.rkt([...(opts.debug ? ["--debug"] : []), INSECURE, "run", ...flags, `--uuid-file-save=${uuidFile}`, app], { cwd: opts.cwd });
  let record: Record<string, unknown> = {};
  try {
    const uuid = readFileSync(uuidFile, "utf8");
    record = JSON.parse(readFileSync(`${sb.dataDir}/pods/run/${uuid}/stage1/plugin.json`, "utf8"));
  } catch {
    // no pod was made
  }
  return { r, record };
}

function expectShellStage1(res: { r: Result; record: Record<string, unknown> }, name = "localhost/shell-stage1"): void {
  expect(res.r.stdout).toBe("selected\n");
  expect(res.r.code).toBe(7);
  expect(res.record).toMatchObject({ kind: "image", name, interfaceVersion: 5 });
}

function writeConfig(kind: "stage1" | "paths", body: Record<string, string>): void {
  const dir = join(sb.localConfig, `${kind}.d`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "test.json"), JSON.stringify({ rktKind: kind, rktVersion: "v1", ...body }));
}

function clearConfig(): void {
  rmSync(join(sb.localConfig, "stage1.d"), { recursive: true, force: true });
  rmSync(join(sb.localConfig, "paths.d"), { recursive: true, force: true });
}

beforeAll(async () => {
  app = buildAci(sb.path("app.aci"), { name: "example.com/selected", version: "1.0", app: { exec: ["/bin/sh", "-c", "echo selected; exit 7"], user: "0", group: "0" } });
  stage1 = buildShellStage1(sb.path("shell-stage1.aci"));
  server = createServer((req, res) => {
    requests.push(req.url ?? "");
    if (req.url !== "/stage1/shell-stage1.aci") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": statSync(stage1).size });
    createReadStream(stage1).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const list = JSON.parse((await sb.rkt(["stage1", "list", "--format=json"])).stdout) as { name: string; version: string }[];
  flyVersion = list.find((s) => s.name === "fly")!.version;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await sb.rkt(["gc", "--grace-period=0s", "--expire-prepared=0s"]);
  sb.cleanup();
});

describe("--stage1-* flags", () => {
  test("--stage1-name: a builtin plugin, NAME:VERSION, and an unknown name", async () => {
    const fly = await runWith(["--stage1-name=fly"]);
    expect(fly.r.stdout).toBe("selected\n");
    expect(fly.r.code).toBe(7);
    expect(fly.record).toMatchObject({ kind: "plugin", name: "fly", version: flyVersion, builtin: true });
    const pinned = await runWith([`--stage1-name=fly:${flyVersion}`]);
    expect(pinned.record).toMatchObject({ name: "fly", version: flyVersion });
    const none = await runWith(["--stage1-name=nosuch"]);
    expect(none.r.code).toBe(254);
    expect(none.r.stderr).toContain(`run: no stage1 named "nosuch" is installed (installed: fly:${flyVersion}`);
    const bridge = await runWith(["--stage1-name=bridge"]);
    expect(bridge.r.code).toBe(254); // the bridge runs images; it is not a flavor to pick
    expect(bridge.r.stderr).toContain(`no stage1 named "bridge"`);
  });

  test("--stage1-path: an image, by absolute and by relative path", async () => {
    const abs = await runWith([`--stage1-path=${stage1}`], { debug: true });
    expectShellStage1(abs);
    expect(abs.r.stderr).toContain(`image: using image from file ${stage1}`);
    // Stage1 images are not signature-checked: the one warning is the app image's.
    expect(abs.r.stderr.match(/image signature verification has been disabled/g)).toHaveLength(1);
    expectShellStage1(await runWith(["--stage1-path=./shell-stage1.aci"], { cwd: sb.root }));
    // Without --insecure-options: the app comes from the store by ID, the stage1 from a file.
    const appId = (await sb.rkt([INSECURE, "fetch", "--full", app])).stdout.trim();
    const secure = await sb.rkt(["run", `--stage1-path=${stage1}`, appId]);
    expect(secure.stderr).toBe("");
    expect(secure.stdout).toBe("selected\n");
    const missing = await runWith([`--stage1-path=${sb.path("nothere.aci")}`]);
    expect(missing.r.code).toBe(254);
    expect(missing.r.stderr).toBe(`run: error finding stage1 image "${sb.path("nothere.aci")}": no such file or directory\n`);
  });

  test("--stage1-url: http (downloaded once, then from the store) and file", async () => {
    const url = `${base}/stage1/shell-stage1.aci`;
    const first = await runWith([`--stage1-url=${url}`], { debug: true });
    expectShellStage1(first);
    expect(first.r.stderr).toContain(`image: remote fetching from URL "${url}"`);
    const second = await runWith([`--stage1-url=${url}`], { debug: true });
    expectShellStage1(second);
    expect(second.r.stderr).toContain(`image: using image from local store for url ${url}`);
    expect(requests.filter((u) => u === "/stage1/shell-stage1.aci")).toHaveLength(1);
    expectShellStage1(await runWith([`--stage1-url=file://${stage1}`]));
    const bad = await runWith([`--stage1-url=${base}/stage1/missing.aci`]);
    expect(bad.r.code).toBe(254);
    expect(bad.r.stderr).toContain("bad HTTP status code: 404");
    const scheme = await runWith(["--stage1-url=ftp://example.com/s.aci"]);
    expect(scheme.r.stderr).toContain(`unsupported scheme "ftp"`);
  });

  test("--stage1-hash: a stage1 image already in the store", async () => {
    const { record } = await runWith([`--stage1-path=${stage1}`]);
    const key = record.imageKey as string;
    const byHash = await runWith([`--stage1-hash=${key.slice(0, 30)}`], { debug: true });
    expectShellStage1(byHash);
    expect(byHash.r.stderr).toContain(`image: using image from the store with hash ${key}`);
    const none = await runWith(["--stage1-hash=sha512-0000000000000000"]);
    expect(none.r.code).toBe(254);
    expect(none.r.stderr).toContain("no image IDs found");
  });

  test("--stage1-name of a stage1 image in the store", async () => {
    await runWith([`--stage1-path=${stage1}`]);
    const byName = await runWith(["--stage1-name=localhost/shell-stage1:0.0.1"], { debug: true });
    expectShellStage1(byName);
    expect(byName.r.stderr).toContain("image: using image from local store for image name localhost/shell-stage1:0.0.1");
  });

  test("--stage1-name of a stage1 image elsewhere: found by appc discovery, then from the store", async () => {
    const host = loopbackAddress();
    const ca = new TestCA();
    const site = await TestServer.start({ tls: ca.issue([host]), host, port: 443 });
    try {
      site.routes.set("/", { contentType: "text/html", body: discoveryPage([{ name: "ac-discovery", content: `${host} https://${host}/{name}-{version}.{ext}` }]) });
      const named = buildShellStage1(sb.path("disc.aci"), { name: `${host}/shell-stage1`, version: "0.0.3" });
      site.routes.set(`/${host}/shell-stage1-0.0.3.aci`, { file: named });
      const env = { SSL_CERT_FILE: ca.certFile };
      const run = (flags: string[]) => sb.rkt(["--debug", INSECURE, "run", ...flags, app], { env });
      const first = await run([`--stage1-name=${host}/shell-stage1:0.0.3`]);
      expect(first.stdout, first.stderr).toBe("selected\n");
      expect(first.stderr).toContain(`image: searching for app image ${host}/shell-stage1`);
      const second = await run([`--stage1-name=${host}/shell-stage1:0.0.3`]);
      expect(second.stderr).toContain(`image: using image from local store for image name ${host}/shell-stage1:0.0.3`);
      expect(site.hits(`/${host}/shell-stage1-0.0.3.aci`)).toHaveLength(1);
      // Nothing there: discovery's error. A bare name (a plugin's, mistyped) is never discovered.
      const none = await run([`--stage1-name=${host}/shell-stage1:9.9.9`]);
      expect(none.code).toBe(254);
      expect(none.stderr).toMatch(/run: .*shell-stage1-9\.9\.9\.aci: bad HTTP status code: 404/);
      const asked = site.log.length;
      const bare = await run(["--stage1-name=nosuch"]);
      expect(bare.stderr).toContain(`no stage1 named "nosuch" is installed`);
      expect(site.log.length).toBe(asked);
    } finally {
      await site.close();
      ca.cleanup();
    }
  });

  test("--stage1-url over https: the certificate is checked unless --insecure-options=tls", async () => {
    const ca = new TestCA();
    const site = await TestServer.start({ tls: ca.issue(["127.0.0.1"]) });
    try {
      site.routes.set("/s1.aci", { file: stage1 });
      const url = site.url("/s1.aci");
      const refused = await sb.rkt([INSECURE, "run", `--stage1-url=${url}`, app]);
      expect(refused.code).toBe(254);
      expect(refused.stderr).toMatch(/TLS certificate check failed: .*--insecure-options=tls/);
      const res = await sb.rkt(["--insecure-options=image,tls", "run", `--stage1-url=${url}`, app]);
      expect(res.stdout, res.stderr).toBe("selected\n");
      expect(res.stderr).toContain("image: warning: TLS verification has been disabled");
    } finally {
      await site.close();
      ca.cleanup();
    }
  });

  test("--stage1-from-dir: a file in paths.d's stage1-images directory", async () => {
    const dir = sb.path("stage1-images");
    mkdirSync(dir, { recursive: true });
    copyFileSync(stage1, join(dir, "stage1-shell.aci"));
    writeConfig("paths", { "stage1-images": dir });
    try {
      const res = await runWith(["--stage1-from-dir=stage1-shell.aci"], { debug: true });
      expectShellStage1(res);
      expect(res.r.stderr).toContain(`image: using image from file ${dir}/stage1-shell.aci`);
      const missing = await runWith(["--stage1-from-dir=nothere.aci"]);
      expect(missing.r.code).toBe(254);
      expect(missing.r.stderr).toContain(`error finding stage1 image "${dir}/nothere.aci"`);
    } finally {
      clearConfig();
    }
  });

  test("rkt's mutual exclusion messages, on run and prepare", async () => {
    for (const cmd of ["run", "prepare"]) {
      const two = await sb.rkt([INSECURE, cmd, "--stage1-name=fly", `--stage1-path=${stage1}`, app]);
      expect(two.code).toBe(254);
      expect(two.stderr).toBe("Error: flags --stage1-path and --stage1-name are mutually exclusive\n");
      const swapped = await sb.rkt([INSECURE, cmd, `--stage1-url=file://${stage1}`, "--stage1-hash=sha512-00", app]);
      expect(swapped.stderr).toBe("Error: flags --stage1-hash and --stage1-url are mutually exclusive\n");
      const again = await sb.rkt([INSECURE, cmd, "--stage1-from-dir=a", "--stage1-from-dir=b", app]);
      expect(again.code).toBe(254);
      expect(again.stderr).toBe("Error: --stage1-from-dir already used\n");
    }
  });

  test("a builtin moves on with rkt: a pod prepared with an older builtin runs on the current one, with a warning", async () => {
    const uuid = (await sb.rkt([INSECURE, "prepare", "--stage1-name=fly", app])).stdout.trim();
    const file = `${sb.dataDir}/pods/prepared/${uuid}/stage1/plugin.json`;
    const rec = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...rec, version: "0.0.1" })); // as an older rkt wrote it
    const run = await sb.rkt(["run-prepared", uuid]);
    expect(run.stdout).toBe("selected\n");
    expect(run.stderr).toBe(`run-prepared: pod ${uuid} was prepared with stage1 fly@0.0.1; using the builtin fly@${flyVersion}\n`);

    const other = (await sb.rkt([INSECURE, "prepare", `--stage1-path=${rec.location}`, app])).stdout.trim();
    const otherFile = `${sb.dataDir}/pods/prepared/${other}/stage1/plugin.json`;
    const otherRec = JSON.parse(readFileSync(otherFile, "utf8"));
    expect(otherRec.builtin).toBeUndefined(); // chosen by path: exactly that package or nothing
    writeFileSync(otherFile, JSON.stringify({ ...otherRec, version: "0.0.1" }));
    const refused = await sb.rkt(["run-prepared", other]);
    expect(refused.code).toBe(254);
    expect(refused.stderr).toBe(`run-prepared: the stage1 of pod ${other} was fly@0.0.1, but ${rec.location} now holds fly@${flyVersion}\n`);
  });

  test("a prepared pod runs with the stage1 image it was prepared with", async () => {
    const p = await sb.rkt([INSECURE, "prepare", `--stage1-path=${stage1}`, app]);
    expect(p.code).toBe(0);
    const run = await sb.rkt(["run-prepared", p.stdout.trim()]);
    expect(run.stdout).toBe("selected\n");
    expect(run.code).toBe(7);
  });
});

describe("the stage1.d configuration", () => {
  test("name and version: found locally (a plugin, or an image in the store), else fetched from the location", async () => {
    try {
      writeConfig("stage1", { name: "fly", version: flyVersion });
      expect((await runWith([])).record).toMatchObject({ kind: "plugin", name: "fly", version: flyVersion });

      const other = buildShellStage1(sb.path("cfg.aci"), { name: "localhost/shell-stage1-cfg", version: "0.0.2" });
      writeConfig("stage1", { name: "localhost/shell-stage1-cfg", version: "0.0.2", location: other });
      const first = await runWith([], { debug: true });
      expectShellStage1(first, "localhost/shell-stage1-cfg");
      expect(first.r.stderr).toContain(`image: using image from file ${other}`);
      const second = await runWith([], { debug: true });
      expectShellStage1(second, "localhost/shell-stage1-cfg");
      expect(second.r.stderr).toContain("image: using image from local store for image name localhost/shell-stage1-cfg:0.0.2");
      expect(second.r.stderr).not.toContain(`using image from file ${other}`);

      // A flag overrides the configuration.
      expect((await runWith(["--stage1-name=fly"])).record).toMatchObject({ kind: "plugin", name: "fly" });
    } finally {
      clearConfig();
    }
  });

  test("location alone: an absolute path or a URL; a relative location is rkt's error", async () => {
    try {
      writeConfig("stage1", { location: `${base}/stage1/shell-stage1.aci` });
      expectShellStage1(await runWith([]));
      writeConfig("stage1", { location: stage1 });
      expectShellStage1(await runWith([]));
      writeConfig("stage1", { location: "shell-stage1.aci" });
      const rel = await runWith([], { cwd: sb.root });
      expect(rel.r.code).toBe(254);
      expect(rel.r.stderr).toBe("run: default stage1 image location is either a relative path or a URL without scheme\n");
      writeConfig("stage1", { name: "localhost/nowhere", version: "1.0.0" });
      const none = await runWith([]);
      expect(none.r.code).toBe(254);
      expect(none.r.stderr).toContain(`no stage1 named "localhost/nowhere:1.0.0"`);
    } finally {
      clearConfig();
    }
  });
});
