// OCI and Docker images from a registry, end to end: a real docker-registry on loopback,
// images built with umoci (and by hand where umoci cannot: opaque directories, devices,
// manifest lists), pushed with skopeo in OCI and Docker schema 2 formats, fetched and run
// by the real bin/rkt.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Layout, layerFromEntries, push, sha256, umoci } from "./fixtures/oci.js";
import { makeBusyboxRootfs } from "./fixtures/rootfs.js";
import { RKT, run, Sandbox } from "./helpers/rkt.js";
import { Registry } from "./helpers/registry.js";

const INSECURE = "--insecure-options=image,http";

/** The image ID rkt prints for a manifest digest (short form). */
function shortKey(digest: string): string {
  return `sha256-${digest.slice(7, 7 + 32)}`;
}

function manifestDigest(layout: string, ref: string): string {
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
  return index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === ref)!.digest;
}

describe("docker:// images from a registry", () => {
  let sb!: Sandbox;
  beforeAll(() => {
    sb = new Sandbox("oci-registry");
  });
  let reg: Registry;
  let umociLayout: string;
  let appDigest: string;
  let specialDigest: string;

  beforeAll(async () => {
    reg = await Registry.start();

    // 1. An image built with umoci: a busybox layer, then a layer that deletes and adds.
    umociLayout = sb.path("umoci");
    const bundle = sb.path("bundle");
    umoci(["init", "--layout", umociLayout]);
    umoci(["new", "--image", `${umociLayout}:app`]);
    umoci(["unpack", "--image", `${umociLayout}:app`, bundle]);
    const root = join(bundle, "rootfs");
    makeBusyboxRootfs(root, { passwd: ["app:x:1000:1000:app:/srv:/bin/sh"], group: ["app:x:1000:"] });
    writeFileSync(join(root, "etc", "motd"), "welcome\n");
    mkdirSync(join(root, "srv", "old-dir"), { recursive: true });
    writeFileSync(join(root, "srv", "old-dir", "f"), "old\n");
    mkdirSync(join(root, "data"));
    writeFileSync(join(root, "data", "seed"), "seeded by the image\n");
    umoci(["repack", "--image", `${umociLayout}:app`, bundle]);
    rmSync(bundle, { recursive: true, force: true });
    umoci(["unpack", "--image", `${umociLayout}:app`, bundle]);
    rmSync(join(root, "etc", "motd"));
    rmSync(join(root, "srv", "old-dir"), { recursive: true });
    writeFileSync(join(root, "srv", "new.txt"), "new\n");
    umoci(["repack", "--image", `${umociLayout}:app`, bundle]);
    rmSync(bundle, { recursive: true, force: true });
    umoci([
      "config",
      "--image", `${umociLayout}:app`,
      "--config.entrypoint", "/bin/sh",
      "--config.entrypoint", "-c",
      "--config.cmd", 'echo "$GREETING from $(pwd) as $(id -u):$(id -g)"; exit 7',
      "--config.env", "GREETING=hello",
      "--config.env", "PATH=/bin",
      "--config.workingdir", "/srv",
      "--config.user", "1000:1000",
      "--config.exposedports", "8080/tcp",
      "--config.exposedports", "53/udp",
      "--config.volume", "/data",
      "--config.label", "org.example.kind=test",
      "--architecture", "amd64",
      "--os", "linux",
    ]);
    appDigest = manifestDigest(umociLayout, "app");
    await push(umociLayout, "app", `${reg.host}/app:1.0`, { format: "oci" });
    await push(umociLayout, "app", `${reg.host}/app-docker:1.0`, { format: "v2s2" });

    // 2. By hand: opaque directory, hard link, absolute symlink, modes, owners, FIFO, device.
    const layout = new Layout(sb.path("hand"));
    const base = layerFromEntries([
      { path: "opq/", type: "dir" },
      { path: "opq/a", content: "a" },
      { path: "opq/b", content: "b" },
      { path: "keep/", type: "dir" },
      { path: "keep/x", content: "x" },
      { path: "gone", content: "gone" },
    ]);
    const top = layerFromEntries([
      { path: "opq/", type: "dir" },
      { path: "opq/c", content: "c" },
      { path: "opq/.wh..wh..opq", content: "" }, // after its sibling: applied first anyway
      { path: ".wh.gone", content: "" },
      { path: "srv/", type: "dir" },
      { path: "srv/target", content: "linked" },
      { path: "srv/hard", type: "hardlink", linkname: "srv/target" },
      { path: "abs-link", type: "symlink", linkname: "/etc/passwd" },
      { path: "suid", content: "#!/bin/sh\n", mode: 0o4755 },
      { path: "owned", content: "mine", uid: 1000, gid: 1000, mode: 0o2750 },
      { path: "sticky/", type: "dir", mode: 0o1777 },
      { path: "fifo", type: "fifo", mode: 0o600 },
      { path: "null", type: "char", mode: 0o666 },
    ]);
    specialDigest = layout.image({ layers: [base, top], config: { Cmd: ["/bin/true"] } }).digest;
    layout.tag("special", { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: specialDigest, size: statSync(layout.blobPath(specialDigest)).size });
    await push(layout.dir, "special", `${reg.host}/special:latest`, { format: "oci" });
  });

  afterAll(async () => {
    await reg?.stop();
    sb?.cleanup();
  });

  test("fetch prints the short ID of the manifest digest and renders the tree", async () => {
    const mark = reg.mark();
    const r = await sb.rkt([INSECURE, "fetch", `docker://${reg.host}/app:1.0`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${shortKey(appDigest)}\n`);
    // two layers and a config, each downloaded once
    expect(reg.blobGets(mark)).toHaveLength(3);
    const list = await sb.rkt(["image", "list", "--no-legend", "--fields=id,name"]);
    expect(list.stdout).toMatch(new RegExp(`^sha256-${appDigest.slice(7, 19)}\\s+127\\.0\\.0\\.1_\\d+/app:1\\.0\\n$`));
  });

  test("whiteouts of the umoci layer removed the files of the layer below", async () => {
    const dir = sb.path("render-app");
    const r = await sb.rkt(["image", "render", "--rootfs-only", shortKey(appDigest), dir]);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, "etc", "motd"))).toBe(false);
    expect(existsSync(join(dir, "srv", "old-dir"))).toBe(false);
    expect(readFileSync(join(dir, "srv", "new.txt"), "utf8")).toBe("new\n");
    expect(statSync(join(dir, "bin", "busybox")).mode & 0o777).toBe(0o755);
  });

  test("the image config becomes the app: exec, user, env, workdir, ports, volumes, labels", async () => {
    const r = await sb.rkt(["image", "cat-manifest", shortKey(appDigest)]);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.name).toMatch(/^127\.0\.0\.1_\d+\/app$/);
    expect(m.labels).toEqual([
      { name: "version", value: "1.0" },
      { name: "os", value: "linux" },
      { name: "arch", value: "amd64" },
    ]);
    expect(m.app.exec).toEqual(["/bin/sh", "-c", 'echo "$GREETING from $(pwd) as $(id -u):$(id -g)"; exit 7']);
    expect(m.app.user).toBe("1000");
    expect(m.app.group).toBe("1000");
    expect(m.app.workingDirectory).toBe("/srv");
    expect(m.app.environment).toEqual([
      { name: "GREETING", value: "hello" },
      { name: "PATH", value: "/bin" },
    ]);
    expect([...m.app.ports].sort((a: { port: number }, b: { port: number }) => a.port - b.port)).toEqual([
      { name: "53-udp", protocol: "udp", port: 53, count: 1, socketActivated: false },
      { name: "8080-tcp", protocol: "tcp", port: 8080, count: 1, socketActivated: false },
    ]);
    expect(m.app.mountPoints).toEqual([{ name: "volume-data", path: "/data", readOnly: false }]);
    expect(m.app.userLabels).toEqual({ "org.example.kind": "test" });
    const ann = Object.fromEntries(m.annotations.map((a: { name: string; value: string }) => [a.name, a.value]));
    expect(ann["appc.io/docker/repository"]).toBe("app");
    expect(ann["appc.io/docker/registryurl"]).toBe(reg.host);
    expect(ann["appc.io/docker/manifesthash"]).toBe(appDigest);
    expect(ann["appc.io/docker/originalname"]).toBe(`docker://${reg.host}/app:1.0`);
    expect(JSON.parse(ann["appc.io/docker/entrypoint"])).toEqual(["/bin/sh", "-c"]);
  });

  test("the docker:// reference names the stored image in image commands", async () => {
    const r = await sb.rkt(["image", "cat-manifest", `docker://${reg.host}/app:1.0`]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).labels).toContainEqual({ name: "version", value: "1.0" });
    const none = await sb.rkt(["image", "cat-manifest", `docker://${reg.host}/app:9`]);
    expect(none.code).toBe(254);
    expect(none.stderr).toMatch(/no image found for "docker:\/\/127\.0\.0\.1:\d+\/app:9"/);
  });

  test("the same image as a Docker schema 2 manifest: a new ID, no layer downloaded again, one tree", async () => {
    const mark = reg.mark();
    const r = await sb.rkt([INSECURE, "fetch", `docker://${reg.host}/app-docker:1.0`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sha256-[0-9a-f]{32}\n$/);
    expect(r.stdout).not.toBe(`${shortKey(appDigest)}\n`);
    const manifests = reg.requests(mark).filter((q) => q.method === "GET" && q.path.includes("/manifests/"));
    expect(manifests).toHaveLength(1);
    // skopeo kept the compressed layers: same digests, so only the (same) config is asked for, if at all
    expect(reg.blobGets(mark).length).toBeLessThanOrEqual(1);
    const trees = readdirSync(join(sb.dataDir, "cas", "tree")).filter((n) => n.startsWith("deps-"));
    expect(trees).toHaveLength(1);
  });

  test("layer semantics: opaque directory, whiteout, hard link, absolute symlink, modes, owners, FIFO, device", async () => {
    const r = await sb.rkt([INSECURE, "fetch", `docker://${reg.host}/special`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${shortKey(specialDigest)}\n`);
    const dir = sb.path("render-special");
    expect((await sb.rkt(["image", "render", "--rootfs-only", shortKey(specialDigest), dir])).code).toBe(0);
    expect(readdirSync(join(dir, "opq")).sort()).toEqual(["c"]);
    expect(existsSync(join(dir, "gone"))).toBe(false);
    expect(readFileSync(join(dir, "keep", "x"), "utf8")).toBe("x");
    expect(statSync(join(dir, "srv", "hard")).ino).toBe(statSync(join(dir, "srv", "target")).ino);
    expect(readlinkSync(join(dir, "abs-link"))).toBe("/etc/passwd");
    expect(statSync(join(dir, "suid")).mode & 0o7777).toBe(0o4755);
    const owned = statSync(join(dir, "owned"));
    expect([owned.uid, owned.gid, owned.mode & 0o7777]).toEqual([1000, 1000, 0o2750]);
    expect(statSync(join(dir, "sticky")).mode & 0o7777).toBe(0o1777);
    expect(lstatSync(join(dir, "fifo")).isFIFO()).toBe(true);
    expect(lstatSync(join(dir, "null")).isCharacterDevice()).toBe(true);
  });

  test("pull policies: new uses the store, update asks the registry but downloads no blob, never fails when absent", async () => {
    let mark = reg.mark();
    const n = await sb.rkt([INSECURE, "fetch", "--pull-policy=new", `docker://${reg.host}/app:1.0`]);
    expect(n.code).toBe(0);
    expect(n.stdout).toBe(`${shortKey(appDigest)}\n`);
    expect(reg.requests(mark)).toEqual([]);

    mark = reg.mark();
    const u = await sb.rkt([INSECURE, "fetch", "--pull-policy=update", `docker://${reg.host}/app:1.0`]);
    expect(u.code).toBe(0);
    expect(u.stdout).toBe(`${shortKey(appDigest)}\n`);
    expect(reg.requests(mark).some((q) => q.path.includes("/manifests/1.0"))).toBe(true);
    expect(reg.blobGets(mark)).toEqual([]);

    const nv = await sb.rkt([INSECURE, "fetch", "--pull-policy=never", `docker://${reg.host}/app:2.0`]);
    expect(nv.code).toBe(254);
    expect(nv.stderr).toMatch(/unable to fetch docker image from URL .*app:2\.0.*: either image was not found in the store/);
    expect(nv.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("a digest reference; and the ID names the image everywhere", async () => {
    const r = await sb.rkt([INSECURE, "fetch", "--full", `docker://${reg.host}/app@${appDigest}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`sha256-${appDigest.slice(7)}\n`);
  });

  test("without --insecure-options=image: rkt's message; without http: a hint", async () => {
    const img = await sb.rkt(["--insecure-options=http", "fetch", `docker://${reg.host}/other`]);
    expect(img.code).toBe(254);
    expect(img.stderr).toBe("fetch: signature verification for docker images is not supported (try --insecure-options=image)\n");
    const http = await sb.rkt(["--insecure-options=image", "fetch", "--pull-policy=update", `docker://${reg.host}/app:1.0`]);
    expect(http.code).toBe(254);
    expect(http.stderr).toMatch(/does not speak TLS; to fetch over plain HTTP, use --insecure-options=http/);
    expect(http.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("an unknown repository or tag: 254 and one line", async () => {
    const r = await sb.rkt([INSECURE, "fetch", `docker://${reg.host}/app:nope`]);
    expect(r.code).toBe(254);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/manifest of .*app:nope.*not found in registry/);
  });

  test("run on fly: Entrypoint + Cmd as user 1000 in /srv with the image's env; the app's exit code", async () => {
    const r = await sb.rkt([INSECURE, "run", "--stage1-name=fly", `docker://${reg.host}/app:1.0`]);
    expect(r.stdout).toBe("hello from /srv as 1000:1000\n");
    expect(r.code).toBe(7);
    const ls = await sb.rkt(["list", "--no-legend"]);
    expect(ls.stdout).toMatch(/127\.0\.0\.1_\d+\/app:1\.0/);
  });

  test("run by image ID, with --exec; the implicit volume starts with the image's content (Docker semantics)", async () => {
    const r = await sb.rkt([INSECURE, "run", "--stage1-name=fly", shortKey(appDigest), "--exec=/bin/cat", "--", "/data/seed"]);
    expect(r.stdout).toBe("seeded by the image\n");
    expect(r.code).toBe(0);
  });

  test.runIf(existsSync("/usr/bin/systemd-nspawn"))("run on nspawn: the same app, the same exit code", async () => {
    const r = await sb.rkt([INSECURE, "run", "--stage1-name=nspawn", "--net=host", `docker://${reg.host}/app:1.0`]);
    expect(r.stdout).toBe("hello from /srv as 1000:1000\n");
    expect(r.code).toBe(7);
    const seed = await sb.rkt([INSECURE, "run", "--stage1-name=nspawn", "--net=host", shortKey(appDigest), "--exec=/bin/cat", "--", "/data/seed"]);
    expect(seed.stdout).toBe("seeded by the image\n");
    expect(seed.code).toBe(0);
  });

  test("image extract gives the rendered tree; image verify checks it", async () => {
    const dir = sb.path("extract-app");
    expect((await sb.rkt(["image", "extract", shortKey(appDigest), dir])).code).toBe(0);
    expect(readFileSync(join(dir, "rootfs", "srv", "new.txt"), "utf8")).toBe("new\n");
    expect(JSON.parse(readFileSync(join(dir, "manifest"), "utf8")).name).toMatch(/\/app$/);
    const v = await sb.rkt(["image", "verify", shortKey(appDigest)]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/successfully verified checksum for image/);
  });

  test("export writes an oci-archive that skopeo reads and that fetches back to the same ID", async () => {
    const out = sb.path("app.oci.tar");
    const r = await sb.rkt(["image", "export", shortKey(appDigest), out]);
    expect(r.code).toBe(0);
    const inspect = JSON.parse(execFileSync("skopeo", ["inspect", `oci-archive:${out}:1.0`], { encoding: "utf8" }));
    expect(inspect.Digest).toBe(appDigest);
    const f = await sb.rkt(["--insecure-options=image", "fetch", `oci-archive:${out}:1.0`]);
    expect(f.code).toBe(0);
    expect(f.stdout).toBe(`${shortKey(appDigest)}\n`);
  });

  test("image rm removes only the blobs no other image uses; image gc removes trees", async () => {
    const blobsBefore = execFileSync("find", [join(sb.dataDir, "cas", "blob", "sha256"), "-type", "f"], { encoding: "utf8" }).trim().split("\n");
    const docker = (await sb.rkt(["image", "list", "--no-legend", "--fields=id,name", "--full"])).stdout
      .split("\n")
      .find((l) => l.includes("/app-docker:"))!
      .split(/\s+/)[0]!;
    const r = await sb.rkt(["image", "rm", docker]);
    expect(r.code).toBe(0);
    const blobsAfter = execFileSync("find", [join(sb.dataDir, "cas", "blob", "sha256"), "-type", "f"], { encoding: "utf8" }).trim().split("\n");
    // only its manifest went: config and layers are the OCI image's too
    expect(blobsBefore.length - blobsAfter.length).toBe(1);
    expect(existsSync(join(sb.dataDir, "cas", "blob", "sha256", docker.slice(7, 9), docker))).toBe(false);
    const again = await sb.rkt(["image", "render", "--rootfs-only", shortKey(appDigest), sb.path("render-again")]);
    expect(again.code).toBe(0);

    const app = await sb.rkt(["image", "rm", shortKey(appDigest)]);
    expect(app.code).toBe(0);
    for (const l of JSON.parse(readFileSync(join(umociLayout, "blobs", "sha256", appDigest.slice(7)), "utf8")).layers) {
      expect(existsSync(join(sb.dataDir, "cas", "blob", "sha256", l.digest.slice(7, 9), `sha256-${l.digest.slice(7)}`))).toBe(false);
    }
    await sb.rkt(["gc", "--grace-period=0s"]);
    const gc = await sb.rkt(["image", "gc", "--grace-period=0s"]);
    expect(gc.code).toBe(0);
    expect(readdirSync(join(sb.dataDir, "cas", "tree")).filter((n) => n.startsWith("deps-"))).toEqual([]);
  });
});

describe("manifest lists and image indexes", () => {
  let sb!: Sandbox;
  beforeAll(() => {
    sb = new Sandbox("oci-index");
  });
  let reg: Registry;
  let amd64: string;
  let arm64: string;

  beforeAll(async () => {
    reg = await Registry.start();
    const layout = new Layout(sb.path("multi"));
    const bb = sb.path("bb");
    makeBusyboxRootfs(bb);
    const { layerFromDir } = await import("./fixtures/oci.js");
    const base = layerFromDir(bb);
    const archLayer = (a: string) => layerFromEntries([{ path: "arch", content: a }]);
    const m1 = layout.image({ layers: [base, archLayer("amd64")], config: { Cmd: ["/bin/cat", "/arch"] } });
    const m2 = layout.image({ layers: [base, archLayer("arm64")], architecture: "arm64", variant: "v8", config: { Cmd: ["/bin/cat", "/arch"] } });
    amd64 = m1.digest;
    arm64 = m2.digest;
    // arm64 first: selection must not just take the first entry
    const index = layout.index([
      { ...m2, platform: { architecture: "arm64", os: "linux", variant: "v8" } },
      { ...m1, platform: { architecture: "amd64", os: "linux" } },
    ]);
    layout.tag("multi", index);
    await push(layout.dir, "multi", `${reg.host}/multi:oci`, { all: true });
    await push(layout.dir, "multi", `${reg.host}/multi:docker`, { all: true, format: "v2s2" });
  });

  afterAll(async () => {
    await reg?.stop();
    sb?.cleanup();
  });

  test.each(["oci", "docker"])("an %s index: the linux/amd64 entry is fetched and runs", async (tag) => {
    const mark = reg.mark();
    const r = await sb.rkt([INSECURE, "fetch", `docker://${reg.host}/multi:${tag}`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    if (tag === "oci") expect(r.stdout).toBe(`${shortKey(amd64)}\n`);
    const got = reg.requests(mark).filter((q) => q.method === "GET").map((q) => q.path);
    expect(got.some((p) => p.includes(arm64))).toBe(false);
    const run = await sb.rkt([INSECURE, "run", "--stage1-name=fly", `docker://${reg.host}/multi:${tag}`]);
    expect(run.stdout).toBe("amd64");
    expect(run.code).toBe(0);
  });

  test("the index is stored with the image", async () => {
    const ids = (await sb.rkt(["image", "list", "--no-legend", "--fields=id", "--full"])).stdout.trim().split("\n");
    expect(ids.length).toBeGreaterThanOrEqual(1);
    const files = execFileSync("find", [join(sb.dataDir, "cas", "blob", "sha256"), "-type", "f"], { encoding: "utf8" });
    const indexDigest = sha256(execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${reg.host}/multi:oci`]));
    expect(files).toContain(`sha256-${indexDigest.slice(7)}`);
  });
});

describe("concurrent fetches of one image; resumed downloads", () => {
  let sb!: Sandbox;
  beforeAll(() => {
    sb = new Sandbox("oci-concurrent");
  });
  let reg: Registry;
  let bigLayout: Layout;
  let bigDigest: string;

  beforeAll(async () => {
    reg = await Registry.start();
    const layout = new Layout(sb.path("big"));
    const dir = sb.path("bigroot");
    makeBusyboxRootfs(dir);
    const { layerFromDir } = await import("./fixtures/oci.js");
    const layers = [layerFromDir(dir)];
    for (let i = 0; i < 3; i++) {
      const d = sb.path(`l${i}`);
      mkdirSync(d);
      // incompressible data, so that the downloads take a while and overlap
      writeFileSync(join(d, `data${i}`), randomBytes(8 << 20));
      layers.push(layerFromDir(d));
    }
    const m = layout.image({ layers, config: { Cmd: ["/bin/true"] } });
    layout.tag("big", m);
    bigLayout = layout;
    bigDigest = m.digest;
    await push(layout.dir, "big", `${reg.host}/big:1`);
  });

  afterAll(async () => {
    await reg?.stop();
    sb?.cleanup();
  });

  test("three rkt processes: same ID, every blob downloaded once, one tree", async () => {
    const mark = reg.mark();
    const rs = await Promise.all([0, 1, 2].map(() => sb.rkt([INSECURE, "fetch", `docker://${reg.host}/big:1`])));
    for (const r of rs) {
      expect(r.stderr).not.toMatch(/error|failed/i);
      expect(r.code).toBe(0);
    }
    expect(new Set(rs.map((r) => r.stdout)).size).toBe(1);
    const gets = reg.blobGets(mark);
    expect(gets.filter((g, i) => gets.indexOf(g) !== i)).toEqual([]);
    expect(readdirSync(join(sb.dataDir, "cas", "tree")).filter((n) => n.startsWith("deps-"))).toHaveLength(1);
    expect((await sb.rkt(["image", "list", "--no-legend"])).stdout.trim().split("\n")).toHaveLength(1);
  });

  test("a partial download left by an interrupted rkt is resumed with a Range request", async () => {
    const data = sb.path("resume-data");
    const layer = JSON.parse(readFileSync(bigLayout.blobPath(bigDigest), "utf8")).layers[2] as { digest: string; size: number };
    const half = readFileSync(bigLayout.blobPath(layer.digest)).subarray(0, Math.floor(layer.size / 2));
    mkdirSync(join(data, "cas", "tmp"), { recursive: true });
    writeFileSync(join(data, "cas", "tmp", `partial-sha256-${layer.digest.slice(7)}`), half);
    const mark = reg.mark();
    const r = await run(RKT, [`--dir=${data}`, "--debug", INSECURE, "fetch", `docker://${reg.host}/big:1`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`resuming a partial download at byte ${half.length}`);
    const served = reg.requests(mark).filter((q) => q.path.endsWith(layer.digest));
    expect(served.map((q) => q.status)).toEqual([206]);
    expect(readdirSync(join(data, "cas", "tmp"))).toEqual([]);
  });
});
