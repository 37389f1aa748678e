// rkt's stage1 image contract through the bridge: a stage1 written in bash
// (examples/stage1-shell) runs pods with rkt's argv per interface version, rkt's
// environment plus RKT_LOCK_FD (an open, locked fd on the pod directory), cwd = the pod
// directory; it writes ppid and rkt/status/<app>; enter, stop and gc call its entrypoints.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { buildShellStage1 } from "./fixtures/stage1.js";
import { background, Sandbox, waitUntil, type Result } from "./helpers/rkt.js";

const sb = new Sandbox("stage1-bridge");
const INSECURE = "--insecure-options=image";
let app: string;
let stage1: string;

function podFile(uuid: string, name: string): string {
  return readFileSync(`${sb.dataDir}/pods/run/${uuid}/${name}`, "utf8");
}

async function startPod(args: string[], env: Record<string, string> = {}): Promise<{ uuid: string; done: Promise<Result> }> {
  const uuidFile = sb.path(`uuid-${Math.random().toString(36).slice(2)}`);
  const bg = background(sb, [INSECURE, "run", `--uuid-file-save=${uuidFile}`, ...args], env);
  await waitUntil(() => existsSync(uuidFile), 20_000, "the pod's uuid file");
  const uuid = readFileSync(uuidFile, "utf8");
  await waitUntil(async () => (await sb.rkt(["status", uuid])).stdout.includes("pid="), 20_000, "the pod to run");
  return { uuid, done: bg.done };
}

beforeAll(() => {
  app = buildAci(sb.path("app.aci"), { name: "example.com/bridged", version: "1.0", app: { exec: ["/bin/sh", "-c", "echo \"hello from $AC_APP_NAME\"; exit 7"], user: "0", group: "0" } });
  stage1 = buildShellStage1(sb.path("shell-stage1.aci"));
});

afterAll(async () => {
  await sb.rkt(["gc", "--grace-period=0s", "--expire-prepared=0s"]);
  sb.cleanup();
});

describe("a shell stage1 image", () => {
  test("run gets rkt's argv, rkt's environment and the locked pod fd; the app's output and exit code come back", async () => {
    const r = await sb.rkt([INSECURE, "run", `--stage1-path=${stage1}`, `--uuid-file-save=${sb.path("u1")}`, app], { env: { BRIDGE_MARK: "from-the-caller" } });
    expect(r.stdout).toBe("hello from bridged\n");
    expect(r.code).toBe(7);
    const uuid = readFileSync(sb.path("u1"), "utf8");
    const podDir = `${sb.dataDir}/pods/run/${uuid}`;

    // interface version 5: --net always, --local-config always, the UUID last.
    expect(podFile(uuid, "stage1-run.args").trim().split("\n")).toEqual([
      `${podDir}/stage1/rootfs/run`,
      "--net=default",
      `--local-config=${sb.localConfig}`,
      uuid,
    ]);
    const env = podFile(uuid, "stage1-run.env");
    expect(env).toMatch(/^RKT_LOCK_FD=\d+$/m);
    expect(env).toMatch(/^BRIDGE_MARK=from-the-caller$/m); // rkt's whole environment
    expect(env).toMatch(/^RKT_SELINUX_CONTEXT=$/m);
    expect(env).toMatch(new RegExp(`^PWD=${podDir}$`, "m")); // cwd = the pod directory
    // The fd is the pod directory, and nobody else can lock it while run holds it.
    expect(podFile(uuid, "stage1-run.lockfd").trim()).toBe(podDir);
    expect(podFile(uuid, "stage1-run.lockstate").trim()).toBe("locked");
    expect(Number(podFile(uuid, "ppid"))).toBeGreaterThan(0);

    const record = JSON.parse(podFile(uuid, "stage1/plugin.json"));
    expect(record).toMatchObject({ kind: "image", name: "localhost/shell-stage1", version: "0.0.1", interfaceVersion: 5 });
    expect(record.imageKey).toMatch(/^sha512-[0-9a-f]{64}$/);
    expect(podFile(uuid, "stage1/manifest")).toContain("coreos.com/rkt/stage1/run");

    const status = await sb.rkt(["status", uuid]);
    expect(status.stdout).toMatch(/^state=exited$/m);
    expect(status.stdout).toMatch(/^app-bridged=7$/m);
  });

  test("--debug and the options an interface version takes; rkt's warning for those it cannot", async () => {
    const v1 = buildShellStage1(sb.path("v1.aci"), { name: "localhost/shell-stage1-v1", interfaceVersion: null });
    const old = await sb.rkt([INSECURE, "run", `--stage1-path=${v1}`, `--uuid-file-save=${sb.path("u-v1")}`, "--hostname=h1", app]);
    expect(old.code).toBe(7);
    expect(old.stderr).toContain("warning: --hostname option is not supported by stage1");
    const u1 = readFileSync(sb.path("u-v1"), "utf8");
    expect(podFile(u1, "stage1-run.args")).not.toContain("--hostname");

    const cur = await sb.rkt(["--debug", INSECURE, "run", `--stage1-path=${stage1}`, `--uuid-file-save=${sb.path("u-v5")}`, "--hostname=h1", "--net=host", app]);
    expect(cur.code).toBe(7);
    expect(cur.stderr).not.toContain("not supported by stage1");
    const u5 = readFileSync(sb.path("u-v5"), "utf8");
    expect(podFile(u5, "stage1-run.args").trim().split("\n").slice(1)).toEqual([
      "--debug",
      "--net=host",
      `--local-config=${sb.localConfig}`,
      "--hostname=h1",
      u5,
    ]);
  });

  test("enter, stop and gc run the image's entrypoints", async () => {
    const pod = await startPod([`--stage1-path=${stage1}`, app, "--exec=/bin/sh", "--", "-c", "sleep 60"]);
    const enter = await sb.rkt(["enter", pod.uuid, "/bin/sh", "-c", 'echo "entered $AC_APP_NAME"; exit 3']);
    expect(enter.stdout).toBe("entered bridged\n");
    expect(enter.code).toBe(3);

    const stop = await sb.rkt(["stop", pod.uuid]);
    expect(stop.stdout).toBe(`"${pod.uuid}"\n`);
    expect(stop.code).toBe(0);
    expect((await pod.done).code).toBe(143); // the run script passed TERM on and exited with the app's code
    expect((await sb.rkt(["status", pod.uuid])).stdout).toMatch(/^app-bridged=143$/m);

    const log = sb.path("gc.log");
    const rm = await sb.rkt(["rm", pod.uuid], { env: { SHELL_STAGE1_LOG: log } });
    expect(rm.code).toBe(0);
    // interface version 5: --local-config and its value are two words.
    expect(readFileSync(log, "utf8")).toBe(`gc --local-config ${sb.localConfig} ${pod.uuid}\n`);
    rmSync(log);
  });

  test("stop --force", async () => {
    const pod = await startPod([`--stage1-path=${stage1}`, app, "--exec=/bin/sh", "--", "-c", "trap '' TERM; sleep 60"]);
    expect((await sb.rkt(["stop", "--force", pod.uuid])).code).toBe(0);
    // This stage1's stop kills its run process too: rkt run dies by the signal, as with rkt's nspawn flavor.
    expect((await pod.done).signal).toBe("SIGKILL");
    expect((await sb.rkt(["status", pod.uuid])).stdout).toMatch(/^state=exited$/m);
  });

  test("missing entrypoints are rkt's errors", async () => {
    const noStop = buildShellStage1(sb.path("nostop.aci"), { name: "localhost/shell-stage1-nostop", without: ["stop"] });
    const pod = await startPod([`--stage1-path=${noStop}`, app, "--exec=/bin/sh", "--", "-c", "sleep 60"]);
    const stop = await sb.rkt(["stop", pod.uuid]);
    expect(stop.code).toBe(254);
    expect(stop.stderr).toContain(`error stopping "${pod.uuid}": rkt stop not implemented for pod's stage1: entrypoint "coreos.com/rkt/stage1/stop" not found`);
    expect((await sb.rkt(["stop", "--force", pod.uuid])).code).toBe(254);
    // The pod's run process is ours (rkt run became it): end it directly.
    const pid = Number(podFile(pod.uuid, "ppid"));
    process.kill(pid, "SIGTERM");
    expect((await pod.done).code).toBe(143);

    const noRun = buildShellStage1(sb.path("norun.aci"), { name: "localhost/shell-stage1-norun", without: ["run"] });
    const run = await sb.rkt([INSECURE, "run", `--stage1-path=${noRun}`, app]);
    expect(run.code).toBe(254);
    expect(run.stderr).toContain(`error determining 'run' entrypoint: entrypoint "coreos.com/rkt/stage1/run" not found`);
  });
});
