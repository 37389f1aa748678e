// The pod lifecycle with rkt's semantics, end to end on the fly stage1: prepare,
// run-prepared, list, status, enter, stop, rm, gc, cat-manifest; state read from the
// pod directory and its lock alone.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { background, Sandbox, waitUntil } from "./helpers/rkt.js";

const sb = new Sandbox("lifecycle");
const INSECURE = "--insecure-options=image";
let image: string;
let imageId: string;

async function prepare(...extra: string[]): Promise<string> {
  const r = await sb.rkt([INSECURE, "prepare", "--stage1-name=fly", imageId, ...extra]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
  return r.stdout.trim();
}

async function status(uuid: string): Promise<Record<string, string>> {
  const r = await sb.rkt(["status", uuid]);
  expect(r.code).toBe(0);
  return Object.fromEntries(r.stdout.trim().split("\n").map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

/** Starts a long-running pod in the background and waits until it is running. */
async function runningPod(command = "sleep 60"): Promise<{ uuid: string; done: Promise<import("./helpers/rkt.js").Result>; pid: () => number | undefined }> {
  const uuidFile = sb.path(`uuid-${Math.random().toString(36).slice(2)}`);
  const bg = background(sb, [INSECURE, "run", "--stage1-name=fly", `--uuid-file-save=${uuidFile}`, imageId, "--exec=/bin/sh", "--", "-c", command]);
  await waitUntil(() => existsSync(uuidFile), 20_000, "the pod's uuid file");
  const uuid = readFileSync(uuidFile, "utf8");
  await waitUntil(async () => (await sb.rkt(["status", uuid])).stdout.includes("pid="), 20_000, "the pod to run");
  return { uuid, ...bg };
}

beforeAll(async () => {
  image = buildAci(sb.path("app.aci"), {
    name: "example.com/lifecycle",
    version: "2.0",
    app: { exec: ["/bin/sh", "-c", "echo ran; exit 5"], user: "0", group: "0", environment: [{ name: "FOO", value: "bar" }] },
  });
  const r = await sb.rkt([INSECURE, "fetch", "--full", image]);
  expect(r.code).toBe(0);
  imageId = r.stdout.trim();
});

afterAll(async () => {
  await sb.rkt(["gc", "--grace-period=0s", "--expire-prepared=0s"]);
  sb.cleanup();
});

describe("prepare and run-prepared", () => {
  test("a prepared pod shows as prepared, runs, and exits with the app's code", async () => {
    const uuid = await prepare();
    expect(existsSync(`${sb.dataDir}/pods/prepared/${uuid}`)).toBe(true);
    const s = await status(uuid);
    expect(s.state).toBe("prepared");
    expect(s.created).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4} \w+$/);
    expect(s.pid).toBeUndefined();

    const list = await sb.rkt(["list", "--no-legend"]);
    expect(list.stdout).toMatch(new RegExp(`^${uuid.slice(0, 8)}\\s+lifecycle\\s+example\\.com/lifecycle:2\\.0\\s+prepared\\s`, "m"));

    const run = await sb.rkt(["run-prepared", uuid]);
    expect(run.stdout).toBe("ran\n");
    expect(run.code).toBe(5);

    const after = await status(uuid);
    expect(after.state).toBe("exited");
    expect(after.exited).toBe("true");
    expect(after["app-lifecycle"]).toBe("5");
    expect(after.started).toBeDefined();
  });

  test("run-prepared refuses a pod that is not prepared", async () => {
    const uuid = await prepare();
    expect((await sb.rkt(["run-prepared", uuid])).code).toBe(5);
    const again = await sb.rkt(["run-prepared", uuid]);
    expect(again.code).toBe(254);
    expect(again.stderr).toMatch(new RegExp(`pod "${uuid}" is not prepared`));
  });

  test("prepare has no runtime flags", async () => {
    const r = await sb.rkt([INSECURE, "prepare", "--net=host", imageId]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/^Error: unknown flag: --net/);
  });

  test("duplicate app names are refused before any pod is made", async () => {
    const before = readdirSync(`${sb.dataDir}/pods/prepare`);
    const r = await sb.rkt([INSECURE, "prepare", "--stage1-name=fly", imageId, imageId]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/multiple apps with name lifecycle/);
    expect(readdirSync(`${sb.dataDir}/pods/prepare`)).toEqual(before);
  });

  test("--uuid-file and unique prefixes name pods; bad names are clear errors", async () => {
    const uuid = await prepare();
    writeFileSync(sb.path("uuid-file"), `${uuid}\n`);
    expect((await sb.rkt(["status", "--uuid-file", sb.path("uuid-file")])).stdout).toMatch(/^state=prepared$/m);
    expect((await sb.rkt(["status", uuid.slice(0, 6).toUpperCase()])).stdout).toMatch(/^state=prepared$/m);
    const none = await sb.rkt(["status", "ffffffff-0000"]);
    expect(none.code).toBe(254);
    expect(none.stderr).toMatch(/no matches found for "ffffffff-0000"/);
    const empty = await sb.rkt(["rm", ""]);
    expect(empty.code).toBe(254);
    expect(empty.stderr).toMatch(/UUID cannot be empty/);
    expect((await sb.rkt(["rm", uuid])).stdout).toBe(`"${uuid}"\n`);
  });

  test("cat-manifest prints the pod manifest", async () => {
    const uuid = await prepare("--environment=X=1");
    const pretty = await sb.rkt(["cat-manifest", uuid]);
    const manifest = JSON.parse(pretty.stdout);
    expect(manifest.acKind).toBe("PodManifest");
    expect(manifest.apps[0].name).toBe("lifecycle");
    expect(manifest.apps[0].app.environment).toEqual(expect.arrayContaining([{ name: "X", value: "1" }, { name: "FOO", value: "bar" }]));
    expect(pretty.stdout).toContain("\n\t");
    const raw = await sb.rkt(["cat-manifest", "--pretty-print=false", uuid]);
    expect(raw.stdout.trim().split("\n")).toHaveLength(1);
    await sb.rkt(["rm", uuid]);
  });
});

describe("running pods", () => {
  test("status, list, enter and stop of a running pod", async () => {
    const pod = await runningPod();
    const s = await status(pod.uuid);
    expect(s.state).toBe("running");
    expect(s.exited).toBe("false");
    expect(Number(s.pid)).toBeGreaterThan(0);

    const full = await sb.rkt(["list", "--full", "--no-legend"]);
    expect(full.stdout).toMatch(new RegExp(`^${pod.uuid}\\s+lifecycle\\s+example\\.com/lifecycle:2\\.0\\s+sha512-[0-9a-f]{12}\\s+running\\s`, "m"));
    const json = JSON.parse((await sb.rkt(["list", "--format=json"])).stdout) as { name: string; state: string; app_names: string[] }[];
    expect(json.find((p) => p.name === pod.uuid)).toMatchObject({ state: "running", app_names: ["lifecycle"] });

    const enter = await sb.rkt(["enter", pod.uuid, "/bin/sh", "-c", 'echo "in $AC_APP_NAME FOO=$FOO"; exit 3']);
    expect(enter.stdout).toBe("in lifecycle FOO=bar\n");
    expect(enter.code).toBe(3);

    const rm = await sb.rkt(["rm", pod.uuid]);
    expect(rm.code).toBe(254);
    expect(rm.stderr).toMatch(/is currently running/);

    const stop = await sb.rkt(["stop", pod.uuid]);
    expect(stop.stdout).toBe(`"${pod.uuid}"\n`);
    expect(stop.code).toBe(0);
    const result = await pod.done;
    expect(result.code).toBe(143);
    const after = await status(pod.uuid);
    expect(after.state).toBe("exited");
    expect(after["app-lifecycle"]).toBe("143");

    const again = await sb.rkt(["stop", pod.uuid]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/is already stopped/);
  });

  test("stop --force kills at once", async () => {
    const pod = await runningPod("trap '' TERM; sleep 60");
    expect((await sb.rkt(["stop", "--force", pod.uuid])).code).toBe(0);
    expect((await pod.done).code).toBe(137);
  });

  test("status --wait waits for the pod to finish; a timeout is an error", async () => {
    const pod = await runningPod("sleep 1; exit 7");
    const timeout = await sb.rkt(["status", "--wait=100ms", pod.uuid]);
    expect(timeout.code).toBe(254);
    const waited = await sb.rkt(["status", "--wait", pod.uuid]);
    expect(waited.code).toBe(0);
    expect(waited.stdout).toMatch(/^state=exited$/m);
    expect(waited.stdout).toMatch(/^app-lifecycle=7$/m);
    await pod.done;
  });

  test("a pod whose process was killed with SIGKILL reads as exited and is collected", async () => {
    const pod = await runningPod();
    process.kill(pod.pid()!, "SIGKILL");
    await pod.done;
    await waitUntil(async () => (await status(pod.uuid)).state === "exited", 10_000, "the pod to read as exited");
    const gc = await sb.rkt(["gc", "--grace-period=0s"]);
    expect(gc.code).toBe(0);
    expect(gc.stderr).toContain(`moving pod "${pod.uuid}" to garbage`);
    expect(gc.stdout).toContain(`Garbage collecting pod "${pod.uuid}"`);
    expect(existsSync(`${sb.dataDir}/pods/exited-garbage/${pod.uuid}`)).toBe(false);
  });

  test("gc never touches a running pod", async () => {
    const pod = await runningPod();
    const gc = await sb.rkt(["gc", "--grace-period=0s", "--expire-prepared=0s"]);
    expect(gc.code).toBe(0);
    expect((await status(pod.uuid)).state).toBe("running");
    await sb.rkt(["stop", "--force", pod.uuid]);
    await pod.done;
  });
});

describe("garbage collection", () => {
  test("grace period, --mark-only, expired prepared pods", async () => {
    const exited = await prepare();
    await sb.rkt(["run-prepared", exited]);
    const prepared = await prepare();

    const mark = await sb.rkt(["gc", "--mark-only"]);
    expect(mark.code).toBe(0);
    expect(existsSync(`${sb.dataDir}/pods/exited-garbage/${exited}`)).toBe(true);
    expect((await status(exited)).state).toBe("exited garbage");

    const kept = await sb.rkt(["gc"]);
    expect(kept.stderr).toContain(`pod "${exited}" not removed: still within grace period (30m0s)`);
    expect(existsSync(`${sb.dataDir}/pods/exited-garbage/${exited}`)).toBe(true);
    expect(existsSync(`${sb.dataDir}/pods/prepared/${prepared}`)).toBe(true);

    const swept = await sb.rkt(["gc", "--grace-period=0s", "--expire-prepared=0s"]);
    expect(swept.code).toBe(0);
    expect(swept.stderr).toContain(`moving expired prepared pod "${prepared}" to garbage`);
    expect(swept.stdout).toContain(`Garbage collecting pod "${exited}"`);
    for (const d of ["exited-garbage", "prepared", "garbage"]) {
      expect(readdirSync(`${sb.dataDir}/pods/${d}`)).not.toContain(exited);
      expect(readdirSync(`${sb.dataDir}/pods/${d}`)).not.toContain(prepared);
    }
  });

  test("a pod whose files were partly removed behind its back is still collected", async () => {
    const uuid = await prepare();
    await sb.rkt(["run-prepared", uuid]);
    rmSync(`${sb.dataDir}/pods/run/${uuid}/overlay`, { recursive: true, force: true });
    rmSync(`${sb.dataDir}/pods/run/${uuid}/stage1/plugin.json`, { force: true });
    const gc = await sb.rkt(["gc", "--grace-period=0s"]);
    expect(gc.code).toBe(0);
    expect(existsSync(`${sb.dataDir}/pods/exited-garbage/${uuid}`)).toBe(false);
  });

  test("two gc runs at once do not trip over each other", async () => {
    const uuids = [await prepare(), await prepare(), await prepare()];
    for (const u of uuids) await sb.rkt(["run-prepared", u]);
    const [a, b] = await Promise.all([sb.rkt(["gc", "--grace-period=0s"]), sb.rkt(["gc", "--grace-period=0s"])]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    for (const u of uuids) expect(existsSync(`${sb.dataDir}/pods/exited-garbage/${u}`)).toBe(false);
  });

  test("gc racing with runs leaves every new pod alone", async () => {
    const runs = Array.from({ length: 3 }, () => sb.rkt([INSECURE, "run", "--stage1-name=fly", imageId]));
    const gcs = Array.from({ length: 3 }, () => sb.rkt(["gc", "--grace-period=0s"]));
    const results = await Promise.all(runs);
    for (const r of results) {
      expect(r.stdout).toBe("ran\n");
      expect(r.code).toBe(5);
    }
    for (const g of await Promise.all(gcs)) expect(g.code).toBe(0);
  });
});
