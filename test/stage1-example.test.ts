// The path a third party follows: examples/stage1-hello built against the packed API
// package, packed with npm, installed from its .tgz with `rkt stage1 install`, running pods.
// Then versions side by side, an upgrade that keeps older pods working, a stage1 that
// disappears under its pods, and plugins refused before any of their code runs.
import { existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { buildHello, repackHello, writePlugin } from "./fixtures/stage1.js";
import { background, Sandbox, waitUntil, type Result } from "./helpers/rkt.js";

const sb = new Sandbox("stage1-example");
const INSECURE = "--insecure-options=image";
let hello: { dir: string; tgz: string };
let hello11: string;
let app: string;
const pods: { done: Promise<Result> }[] = [];

function record(uuid: string): { kind: string; name: string; version: string; location: string } {
  for (const d of ["run", "prepared", "exited-garbage"]) {
    const f = `${sb.dataDir}/pods/${d}/${uuid}/stage1/plugin.json`;
    if (existsSync(f)) return JSON.parse(readFileSync(f, "utf8"));
  }
  throw new Error(`no record for ${uuid}`);
}

async function startPod(...args: string[]): Promise<{ uuid: string; done: Promise<Result> }> {
  const uuidFile = sb.path(`uuid-${Math.random().toString(36).slice(2)}`);
  const bg = background(sb, [INSECURE, "run", `--uuid-file-save=${uuidFile}`, ...args]);
  pods.push(bg);
  await waitUntil(() => existsSync(uuidFile), 20_000, "the pod's uuid file");
  const uuid = readFileSync(uuidFile, "utf8");
  await waitUntil(async () => (await sb.rkt(["status", uuid])).stdout.includes("pid="), 20_000, "the pod to run");
  return { uuid, done: bg.done };
}

async function list(): Promise<{ name: string; version: string; protocol: string; location: string; builtin: boolean; status: string }[]> {
  const r = await sb.rkt(["stage1", "list", "--format=json"]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(() => {
  hello = buildHello(sb.path("work"));
  hello11 = repackHello(hello.dir, "1.1.0", sb.path("packed-1.1.0"));
  app = buildAci(sb.path("app.aci"), {
    name: "example.com/greeter",
    version: "1.0",
    app: { exec: ["/bin/sh", "-c", 'echo "hello from $AC_APP_NAME via $RKT_STAGE1"; exit 5'], user: "0", group: "0" },
  });
}, 300_000);

afterAll(async () => {
  for (const p of pods) await p.done; // every pod this file started has ended
  await sb.rkt(["gc", "--grace-period=0s", "--expire-prepared=0s"]);
  sb.cleanup(); // the data dir, installed plugins included
});

describe("the example stage1, from its .tgz", () => {
  test("it was built against the packed API, not a workspace link", () => {
    expect(hello.tgz).toMatch(/stage1-hello-1\.0\.0\.tgz$/);
    const lock = JSON.parse(readFileSync(join(hello.dir, "node_modules", "@rkt", "stage1-api", "package.json"), "utf8"));
    expect(lock.version).toBe("1.1.0");
    expect(existsSync(join(hello.dir, "vendor", "rkt-stage1-api-1.1.0.tgz"))).toBe(true);
  });

  test("rkt stage1 install puts it next to the builtins; it runs a pod", async () => {
    const inst = await sb.rkt(["stage1", "install", hello.tgz]);
    expect(inst.stderr).toBe("");
    expect(inst.stdout).toBe(`installed stage1 hello@1.0.0 at ${sb.dataDir}/stage1/hello/1.0.0\n`);
    expect(inst.code).toBe(0);
    const table = await sb.rkt(["stage1", "list"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+VERSION\s+PROTOCOL\s+LOCATION\s+STATUS$/);
    expect(table.stdout).toMatch(new RegExp(`^hello\\s+1\\.0\\.0\\s+\\^1\\.0\\.0\\s+${sb.dataDir}/stage1/hello/1\\.0\\.0\\s+ok$`, "m"));
    expect(table.stdout).toMatch(/^fly\s+\S+\s+\S+\s+\S+\s+ok$/m);

    const run = await sb.rkt([INSECURE, "run", "--stage1-name=hello", `--uuid-file-save=${sb.path("u-first")}`, app]);
    expect(run.stdout).toBe("hello from greeter via hello@1.0.0\n");
    expect(run.code).toBe(5);
    const uuid = readFileSync(sb.path("u-first"), "utf8");
    expect(record(uuid)).toMatchObject({ kind: "plugin", name: "hello", version: "1.0.0", location: `${sb.dataDir}/stage1/hello/1.0.0` });
    expect((await sb.rkt(["status", uuid])).stdout).toMatch(/^app-greeter=5$/m);
  });

  test("its capabilities gate options: an explicit one fails before any pod exists, an implied one is dropped with a warning", async () => {
    const podNames = async (): Promise<string[]> => (JSON.parse((await sb.rkt(["list", "--format=json"])).stdout) as { name: string }[]).map((p) => p.name).sort();
    const podsBefore = await podNames();
    const explicit = await sb.rkt([INSECURE, "run", "--stage1-name=hello", app, "--memory=64M"]);
    expect(explicit.code).toBe(254);
    expect(explicit.stderr).toContain(`run: stage1 hello does not support --memory (resource/memory for app greeter) (it lacks the "memory-limit" capability)`);
    expect(await podNames()).toEqual(podsBefore);

    const limited = buildAci(sb.path("limited.aci"), {
      name: "example.com/limited",
      version: "1.0",
      app: { exec: ["/bin/sh", "-c", "echo limited"], user: "0", group: "0", isolators: [{ name: "resource/memory", value: { limit: "64M" } }] },
    });
    const implied = await sb.rkt([INSECURE, "run", "--stage1-name=hello", limited]);
    expect(implied.stdout).toBe("limited\n");
    expect(implied.code).toBe(0);
    expect(implied.stderr).toContain(`stage1 hello does not enforce the resource/memory isolator of app limited (it lacks the "memory-limit" capability): ignored`);
  });

  test("installing the same version again is refused unless --replace", async () => {
    const again = await sb.rkt(["stage1", "install", hello.tgz]);
    expect(again.code).toBe(254);
    expect(again.stderr).toBe(`install: stage1 hello@1.0.0 is already installed at ${sb.dataDir}/stage1/hello/1.0.0 (use --replace to overwrite it)\n`);
    const replace = await sb.rkt(["stage1", "install", "--replace", hello.tgz]);
    expect(replace.code).toBe(0);
    expect(replace.stdout).toMatch(/^replaced stage1 hello@1\.0\.0/);
  });
});

describe("versions side by side", () => {
  let old: { uuid: string; done: Promise<Result> };
  let prepared: string;

  test("pods of 1.0.0 started before 1.1.0 is installed", async () => {
    old = await startPod("--stage1-name=hello", app, "--exec=/bin/sh", "--", "-c", "sleep 60");
    expect(record(old.uuid).version).toBe("1.0.0");
    const p = await sb.rkt([INSECURE, "prepare", "--stage1-name=hello", app]);
    expect(p.code).toBe(0);
    prepared = p.stdout.trim();
  });

  test("1.1.0 installed: both listed; new pods get the newest, or the version asked for; both run at once", async () => {
    expect((await sb.rkt(["stage1", "install", hello11])).code).toBe(0);
    const hellos = (await list()).filter((s) => s.name === "hello");
    expect(hellos.map((h) => [h.version, h.status, h.builtin])).toEqual([
      ["1.1.0", "ok", false],
      ["1.0.0", "ok", false],
    ]);

    const newest = await startPod("--stage1-name=hello", app, "--exec=/bin/sh", "--", "-c", "sleep 60");
    const pinned = await startPod("--stage1-name=hello:1.0.0", app, "--exec=/bin/sh", "--", "-c", "sleep 60");
    expect(record(newest.uuid)).toMatchObject({ version: "1.1.0", location: `${sb.dataDir}/stage1/hello/1.1.0` });
    expect(record(pinned.uuid)).toMatchObject({ version: "1.0.0", location: `${sb.dataDir}/stage1/hello/1.0.0` });
    for (const [pod, version] of [[newest, "1.1.0"], [pinned, "1.0.0"]] as const) {
      expect((await sb.rkt(["status", pod.uuid])).stdout).toMatch(/^state=running$/m);
      const enter = await sb.rkt(["enter", pod.uuid, "/bin/sh", "-c", "echo $RKT_STAGE1"]);
      expect(enter.stdout).toBe(`hello@${version}\n`);
    }
    for (const pod of [newest, pinned]) {
      expect((await sb.rkt(["stop", pod.uuid])).code).toBe(0);
      expect((await pod.done).code).toBe(143);
    }
    const missing = await sb.rkt([INSECURE, "run", "--stage1-name=hello:9.9.9", app]);
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain(`no stage1 named "hello:9.9.9" is installed (installed: fly:`);
  });

  test("after the upgrade, the older pods are entered, stopped, run and collected by their own version", async () => {
    const enter = await sb.rkt(["enter", old.uuid, "/bin/sh", "-c", "echo $RKT_STAGE1; exit 2"]);
    expect(enter.stdout).toBe("hello@1.0.0\n");
    expect(enter.code).toBe(2);
    expect((await sb.rkt(["stop", old.uuid])).stdout).toBe(`"${old.uuid}"\n`);
    expect((await old.done).code).toBe(143);

    const run = await sb.rkt(["run-prepared", prepared]);
    expect(run.stdout).toBe("hello from greeter via hello@1.0.0\n");
    expect(run.code).toBe(5);

    const gc = await sb.rkt(["gc", "--grace-period=0s"]);
    expect(gc.code).toBe(0);
    expect(gc.stdout).toContain(`Garbage collecting pod "${old.uuid}"`);
    expect(gc.stdout).toContain(`Garbage collecting pod "${prepared}"`);
    expect(gc.stderr).not.toContain("problem performing stage1 GC");
  });
});

describe("a stage1 that disappears under its pods", () => {
  test("the pods still list and are removed; enter, stop and run say what is missing", async () => {
    const running = await startPod("--stage1-name=hello:1.0.0", app, "--exec=/bin/sh", "--", "-c", "sleep 60");
    const prepared = (await sb.rkt([INSECURE, "prepare", "--stage1-name=hello:1.0.0", app])).stdout.trim();

    const rm = await sb.rkt(["stage1", "remove", "hello:1.0.0"]);
    expect(rm.code).toBe(0);
    expect(rm.stdout).toBe("removed stage1 hello@1.0.0\n");
    expect(rm.stderr).toContain(`warning: pod ${running.uuid} (running) was prepared with stage1 hello@1.0.0`);
    expect(rm.stderr).toContain(`warning: pod ${prepared} (prepared) was prepared with stage1 hello@1.0.0`);
    expect(existsSync(`${sb.dataDir}/stage1/hello/1.0.0`)).toBe(false);
    expect((await list()).filter((s) => s.name === "hello").map((s) => s.version)).toEqual(["1.1.0"]);

    const ls = await sb.rkt(["list", "--no-legend"]);
    expect(ls.stdout).toContain(running.uuid.slice(0, 8));
    expect(ls.stdout).toContain(prepared.slice(0, 8));
    expect((await sb.rkt(["status", running.uuid])).stdout).toMatch(/^state=running$/m);
    const gone = `the stage1 of pod ${running.uuid} (hello@1.0.0 at ${sb.dataDir}/stage1/hello/1.0.0) is no longer installed`;
    const enter = await sb.rkt(["enter", running.uuid, "/bin/true"]);
    expect(enter.code).toBe(254);
    expect(enter.stderr).toBe(`enter: ${gone}\n`);
    const stop = await sb.rkt(["stop", running.uuid]);
    expect(stop.code).toBe(254);
    expect(stop.stderr).toContain(gone);
    const runPrepared = await sb.rkt(["run-prepared", prepared]);
    expect(runPrepared.code).toBe(254);
    expect(runPrepared.stderr).toContain(`the stage1 of pod ${prepared} (hello@1.0.0`);

    // The pod's process is the `rkt run` this test started: end it as its owner would.
    process.kill(Number(readFileSync(`${sb.dataDir}/pods/run/${running.uuid}/pid`, "utf8")), "SIGTERM");
    expect((await running.done).code).toBe(143);
    const rmPod = await sb.rkt(["rm", running.uuid, prepared]);
    expect(rmPod.code).toBe(0);
    expect(rmPod.stdout).toBe(`"${running.uuid}"\n"${prepared}"\n`);
    expect(rmPod.stderr).toContain(`problem performing stage1 GC on "${running.uuid}": ${gone}`);
    expect(existsSync(`${sb.dataDir}/pods/exited-garbage/${running.uuid}`)).toBe(false);

    const again = await sb.rkt(["stage1", "remove", "hello:1.0.0"]);
    expect(again.code).toBe(254);
    expect(again.stderr).toBe("remove: stage1 hello@1.0.0 is not installed\n");
  });
});

describe("refused before any of its code runs", () => {
  test("an incompatible protocol range: one message naming both sides; nothing is installed or imported", async () => {
    const dir = writePlugin(sb.path("future"), { name: "future", version: "2.1.0", protocol: "^2.0.0" });
    const message = "stage1 future@2.1.0 speaks ^2.0.0; this rkt speaks 1.2.0";
    const inst = await sb.rkt(["stage1", "install", dir]);
    expect(inst.code).toBe(254);
    expect(inst.stderr).toBe(`install: ${message}\n`);
    expect(existsSync(`${sb.dataDir}/stage1/future`)).toBe(false);
    const run = await sb.rkt([INSECURE, "run", `--stage1-path=${dir}`, app]);
    expect(run.code).toBe(254);
    expect(run.stderr).toBe(`run: ${message}\n`);
    expect(existsSync(join(dir, "IMPORTED"))).toBe(false);
  });

  test("too loose a range, bad package.json, dependencies it does not bundle", async () => {
    const loose = await sb.rkt(["stage1", "install", writePlugin(sb.path("loose"), { name: "loose", protocol: "*" })]);
    expect(loose.stderr).toContain(`stage1 loose@1.0.0 declares the protocol range "*", which is too loose: name a major version`);
    const bad = sb.path("bad");
    writePlugin(bad, { name: "bad" });
    writeFileSync(join(bad, "package.json"), "{ not json");
    expect((await sb.rkt(["stage1", "install", bad])).stderr).toContain(`${bad}/package.json: cannot read the stage1 package`);
    const deps = writePlugin(sb.path("deps"), { name: "deps", extra: { dependencies: { "left-pad": "1.3.0" } } });
    const depsRes = await sb.rkt(["stage1", "install", deps]);
    expect(depsRes.code).toBe(254);
    expect(depsRes.stderr).toContain("stage1 deps@1.0.0 depends on left-pad, which it does not bundle");
    for (const n of ["loose", "bad", "deps"]) expect(existsSync(`${sb.dataDir}/stage1/${n}`)).toBe(false);
    expect(existsSync(join(bad, "IMPORTED"))).toBe(false);
  });

  test("rkt stage1 list shows why an installed version cannot load, and --stage1-name says so", async () => {
    const ok = writePlugin(sb.path("broken"), { name: "broken", entry: "export default {};\n" });
    expect((await sb.rkt(["stage1", "install", ok])).code).toBe(0);
    const installed = `${sb.dataDir}/stage1/broken/1.0.0`;
    unlinkSync(join(installed, "index.js"));
    const row = (await list()).find((s) => s.name === "broken")!;
    expect(row.status).toBe(`stage1 broken@1.0.0: its entry ${installed}/index.js is missing`);
    const run = await sb.rkt([INSECURE, "run", "--stage1-name=broken", app]);
    expect(run.code).toBe(254);
    expect(run.stderr).toBe(`run: stage1 broken@1.0.0 cannot be loaded: stage1 broken@1.0.0: its entry ${installed}/index.js is missing\n`);
    expect((await sb.rkt(["stage1", "remove", "broken"])).code).toBe(0);
    rmSync(ok, { recursive: true });
  });
});

describe("plugins by path", () => {
  test("--stage1-path: a packed .tgz (unpacked once, by content) and a package directory used in place with its own copy of the API", async () => {
    for (let i = 0; i < 2; i++) {
      const r = await sb.rkt(["--debug", INSECURE, "run", `--stage1-path=${hello11}`, `--uuid-file-save=${sb.path(`u-tgz${i}`)}`, app]);
      expect(r.stdout).toBe("hello from greeter via hello@1.1.0\n");
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/using the packed stage1 .*stage1-hello-1\.1\.0\.tgz, unpacked in .*\/stage1\/\.cache\/[0-9a-f]{64}/);
    }
    const locations = [0, 1].map((i) => record(readFileSync(sb.path(`u-tgz${i}`), "utf8")).location);
    expect(locations[0]).toBe(locations[1]);
    expect(locations[0]).toMatch(new RegExp(`^${sb.dataDir}/stage1/\\.cache/[0-9a-f]{64}$`));

    // The build directory: its node_modules holds its own @rkt/stage1-api (from the packed
    // tgz); its errors are still recognised as stage1 errors (a brand, not instanceof).
    const dir = await sb.rkt([INSECURE, "run", `--stage1-path=${hello.dir}`, app]);
    expect(dir.stdout).toBe("hello from greeter via hello@1.0.0\n");
    expect(dir.code).toBe(5);
    const two = await sb.rkt([INSECURE, "run", `--stage1-path=${hello.dir}`, app, app, "--name=second"]);
    expect(two.code).toBe(254);
    expect(two.stderr).toContain("run: stage1 hello does not support pods of 2 apps (it runs one app per pod) (it lacks the \"multi-app\" capability)\n");
    const file = await sb.rkt([INSECURE, "run", `--stage1-url=file://${hello11}`, app]);
    expect(file.stdout).toBe("hello from greeter via hello@1.1.0\n");
  });
});
