// The life of an nspawn pod: the lock held for the pod's whole life, rkt enter, rkt stop
// (in order within the stop timeout, and --force), a terminal for --interactive, and
// nothing left behind by rkt gc: no mounts, no cgroups, no processes.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { cleanupPods, sh } from "./helpers/nspawn.js";
import { background, inTerminal, RKT, Sandbox, waitUntil } from "./helpers/rkt.js";

const RUN = ["--insecure-options=image", "run"];

/**
 * Mount points whose path contains `needle`, in this (the host's) mount namespace. The pod's
 * network namespace (nsfs, /run/netns/rkt-<uuid>) is on the host by design until gc.
 */
function mountsWith(needle: string, opts: { netns: boolean } = { netns: true }): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((l) => l.includes(needle) && (opts.netns || !l.includes(" - nsfs ")));
}

/** Cgroup directories named after the pod, in every hierarchy. */
function cgroupsOf(uuid: string): string[] {
  const out: string[] = [];
  for (const h of readdirSync("/sys/fs/cgroup")) if (existsSync(`/sys/fs/cgroup/${h}/rkt/${uuid}`)) out.push(`${h}/rkt/${uuid}`);
  return out;
}

/** Processes whose cgroup path names the pod. */
function processesOf(uuid: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cgroup`, "utf8").includes(uuid)) pids.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return pids;
}

describe("nspawn pods: enter, stop, gc", () => {
  const sb = new Sandbox("nspawn-life");
  let img: string;

  beforeAll(() => {
    img = buildAci(sb.path("sleeper.aci"), {
      name: "example.com/sleeper",
      app: { exec: ["/bin/sh", "-c", "echo started; trap 'echo stopping; exit 0' TERM; while true; do sleep 0.1; done"], user: "0", group: "0", environment: [{ name: "IN_APP", value: "yes" }] },
    });
  });
  afterAll(async () => {
    await cleanupPods(sb);
    sb.cleanup();
  });

  /** Starts a pod in the background and waits until its apps run. */
  async function startPod(args: string[], env: Record<string, string> = {}) {
    const uuidFile = sb.path(`uuid-${Math.random().toString(36).slice(2)}`);
    const pod = background(sb, [...RUN, `--uuid-file-save=${uuidFile}`, ...args], env);
    await waitUntil(() => existsSync(uuidFile) && readFileSync(uuidFile, "utf8").length === 36, 20_000, "the pod's uuid");
    const uuid = readFileSync(uuidFile, "utf8");
    const ready = await sb.rkt(["status", "--wait-ready=20s", uuid]);
    expect(ready.code).toBe(0);
    return { ...pod, uuid };
  }

  test("a running pod holds its lock; rkt enter joins its namespaces and the app's root", async () => {
    const pod = await startPod([img, "--name=one", img, "--name=two"]);
    const status = await sb.rkt(["status", pod.uuid]);
    expect(status.stdout).toMatch(/^state=running$/m);
    expect(status.stdout).toMatch(/^pid=[0-9]+$/m);

    const noApp = await sb.rkt(["enter", pod.uuid, "/bin/true"]);
    expect(noApp.code).toBe(254);
    expect(noApp.stderr).toMatch(/specify app using "rkt enter --app= \.\.\."/);

    const r = await sb.rkt(["enter", "--app=two", pod.uuid, "/bin/sh", "-c", "echo $AC_APP_NAME $IN_APP; hostname; id -u; pwd; cat /proc/1/cmdline | tr '\\0' ' '; echo; readlink /proc/self/ns/pid"]);
    expect(r.code).toBe(0);
    const [app, hostname, uid, cwd, init, pidns] = r.stdout.split("\n");
    expect(app).toBe("two yes");
    expect(hostname).toBe(`rkt-${pod.uuid}`);
    expect(uid).toBe("0");
    expect(cwd).toBe("/");
    expect(init).toBe("/init init /rkt/pod.spec ");
    expect(pidns).not.toBe(execFileSync("readlink", ["/proc/self/ns/pid"], { encoding: "utf8" }).trim());

    const code = await sb.rkt(["enter", "--app=one", pod.uuid, "/bin/sh", "-c", "exit 7"]);
    expect(code.code).toBe(7);

    const stop = await sb.rkt(["stop", pod.uuid]);
    expect(stop.stdout).toBe(`"${pod.uuid}"\n`);
    const done = await pod.done;
    expect(done.code).toBe(0);
    expect(done.stdout).toBe("started\nstarted\nstopping\nstopping\n");
    expect((await sb.rkt(["status", pod.uuid])).stdout).toMatch(/^app-one=0$/m);
    const again = await sb.rkt(["stop", pod.uuid]);
    expect(again.code).toBe(0);
  });

  test("rkt stop ends an app that ignores SIGTERM after the stop timeout; --force at once", async () => {
    // The app marks when its trap is set: a stop sent before that would not find it ignoring.
    const stubborn = [img, "--exec=/bin/sh", "--", "-c", "trap 'echo ignored' TERM; touch /armed; while true; do sleep 0.1; done", "---"];
    const armed = async (uuid: string): Promise<void> =>
      waitUntil(async () => (await sb.rkt(["enter", uuid, "/bin/test", "-e", "/armed"])).code === 0, 20_000, "the app's trap");
    const pod = await startPod(stubborn, { RKT_NSPAWN_STOP_TIMEOUT: "1.5" });
    await armed(pod.uuid);
    const t0 = Date.now();
    expect((await sb.rkt(["stop", pod.uuid])).code).toBe(0);
    const done = await pod.done;
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(6000);
    expect(done.stdout).toBe("ignored\n");
    expect(done.code).toBe(0);
    expect((await sb.rkt(["status", pod.uuid])).stdout).toMatch(/^app-sleeper=137$/m);

    const forced = await startPod(stubborn);
    await armed(forced.uuid);
    const t1 = Date.now();
    expect((await sb.rkt(["stop", "--force", forced.uuid])).code).toBe(0);
    const end = await forced.done;
    expect(Date.now() - t1).toBeLessThan(3000);
    expect(end.code).not.toBe(0);
    expect(end.stderr).not.toMatch(/Container|terminated/);
    await waitUntil(async () => /^state=exited$/m.test((await sb.rkt(["status", forced.uuid])).stdout), 5000, "the pod to exit");
  });

  test("rkt gc leaves nothing behind: mounts, cgroups, processes", async () => {
    const vol = sb.path("hostvol");
    execFileSync("mkdir", ["-p", vol]);
    const pod = await startPod([
      `--volume=host,kind=host,source=${vol}`,
      "--volume=shared,kind=empty",
      img,
      "--memory=64M",
      "--mount=volume=host,target=/host",
      "--mount=volume=shared,target=/shared",
      img,
      "--name=daemon",
      ...sh("setsid sh -c 'trap \"\" TERM; while true; do sleep 1; done' & trap 'exit 0' TERM; while true; do sleep 0.1; done"),
    ]);
    expect(cgroupsOf(pod.uuid).length).toBeGreaterThan(3);
    expect(processesOf(pod.uuid).length).toBeGreaterThan(3);
    // The pod's mounts live in its own mount namespace: none of them is on the host.
    expect(mountsWith(pod.uuid, { netns: false })).toEqual([]);
    await sb.rkt(["stop", pod.uuid]);
    await pod.done;
    const gc = await sb.rkt(["gc", "--grace-period=0s"]);
    expect(gc.code).toBe(0);
    expect(gc.stdout).toContain(`Garbage collecting pod "${pod.uuid}"`);
    expect(cgroupsOf(pod.uuid)).toEqual([]);
    expect(processesOf(pod.uuid)).toEqual([]);
    expect(mountsWith(pod.uuid)).toEqual([]);
    expect(existsSync(`${sb.dataDir}/pods/exited-garbage/${pod.uuid}`)).toBe(false);
    expect(existsSync(vol)).toBe(true);
  });

  test("a pod whose process (systemd-nspawn) was killed with SIGKILL takes its apps with it", async () => {
    const pod = await startPod([img, ...sh("while true; do sleep 0.1; done")]);
    expect(processesOf(pod.uuid).length).toBeGreaterThan(0);
    process.kill(pod.pid()!, "SIGKILL");
    await pod.done;
    await waitUntil(() => processesOf(pod.uuid).length === 0, 10_000, "the pod's processes to end");
    expect((await sb.rkt(["status", pod.uuid])).stdout).toMatch(/^state=exited$/m);
    expect((await sb.rkt(["gc", "--grace-period=0s"])).code).toBe(0);
    expect(cgroupsOf(pod.uuid)).toEqual([]);
  });

  test("prepare, then run-prepared with runtime flags; a signal to rkt stops the pod in order", async () => {
    const prepared = await sb.rkt(["--insecure-options=image", "prepare", "--quiet", img, ...sh("hostname; cat /etc/resolv.conf; readlink /proc/self/ns/net")]);
    expect(prepared.code).toBe(0);
    const uuid = prepared.stdout.trim();
    const r = await sb.rkt(["run-prepared", "--hostname=prepared", "--dns=192.0.2.53", "--net=host", uuid]);
    expect(r.code).toBe(0);
    const hostNet = execFileSync("readlink", ["/proc/self/ns/net"], { encoding: "utf8" });
    expect(r.stdout).toBe(`prepared\n# Generated by rkt run\n\nnameserver 192.0.2.53\n${hostNet}`);

    const pod = await startPod([img]);
    process.kill(pod.pid()!, "SIGINT"); // ^C on rkt: systemd-nspawn asks the init to stop the apps
    const done = await pod.done;
    expect(done.code).toBe(0);
    expect(done.stdout).toBe("started\nstopping\n");
  });

  test("--interactive with a terminal: the app gets a terminal of its own, its exit code is rkt's", async () => {
    const { code, out } = inTerminal([RKT, `--dir=${sb.dataDir}`, ...RUN, "--interactive", img, "--exec=/bin/sh", "--", "-c", "test -t 0 && test -t 1 && echo on-a-tty; exit 3"]);
    expect(out).toMatch(/on-a-tty\r\n/);
    expect(code).toBe(3);
  });
});
