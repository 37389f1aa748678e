// Class 1 of docs/security.md: `rkt enter` runs pod-controlled code (an image can replace
// /bin/bash). The entered command must get exactly its app's confinement: capability sets,
// seccomp filter, no_new_privs, cgroups, every namespace of the app (its own mount namespace
// and the cgroup namespace included), its user. The pod's init spawns it, so it inherits
// that by construction; from there open_by_handle_at ("shocker") reads no host file.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPod } from "../helpers/net.js";
import { cleanupPods } from "../helpers/nspawn.js";
import { confinement, probeImage, probeValues, sandboxProbe } from "../helpers/probe.js";
import { inTerminal, RKT, Sandbox, waitUntil } from "../helpers/rkt.js";

// Each app records its own confinement, then waits: what `rkt enter` must reproduce.
const APP = "PROBE_TAG=app /probe status > /tmp/app-status; touch /tmp/ready; exec sleep 1000";

describe("rkt enter (nspawn): the app's confinement", () => {
  const sb = new Sandbox("sec-enter");
  let img: string;
  let uuid: string;

  beforeAll(async () => {
    img = probeImage(sb, "enter.aci", { name: "example.com/sec-enter", app: { exec: ["/bin/sh", "-c", APP], user: "0", group: "0" } });
    // The hostile image replaces /bin/bash, which a bare `rkt enter` runs.
    const pod = await startPod(sb, ["--net=host", img, "--name=root", "--exec=/bin/sh", "--", "-c", `cp /probe /bin/bash; ${APP}`, "---", img, "--name=user", "--user=1000", "--group=1000"]);
    uuid = pod.uuid;
    for (const app of ["root", "user"]) {
      await waitUntil(async () => (await sb.rkt(["enter", `--app=${app}`, uuid, "/bin/test", "-e", "/tmp/ready"])).code === 0, 20_000, `app ${app} to record its status`);
    }
  });
  afterAll(async () => {
    await cleanupPods(sb);
    sb.cleanup();
  });

  async function appStatus(app: string): Promise<Map<string, string>> {
    const r = await sb.rkt(["enter", `--app=${app}`, uuid, "/bin/cat", "/tmp/app-status"]);
    expect(r.code).toBe(0);
    return probeValues(r.stdout, "app");
  }

  test("the image's /bin/bash, run by a bare rkt enter, is confined as its app and cannot read host files by handle", async () => {
    // Outside any pod the probe does read a host file this way: the attack is real.
    expect(probeValues(execFileSync(sandboxProbe(sb), ["shocker", "/etc/hosts"], { encoding: "utf8" })).get("shocker")).toMatch(/^read-host-file:/);

    const bare = await sb.rkt(["enter", "--app=root", uuid]);
    expect(bare.stderr).toContain('no command specified, assuming "/bin/bash"');
    const entered = probeValues(bare.stdout);
    const app = await appStatus("root");
    expect(app.get("CapBnd")).toBe("00000000a80425fb"); // rkt's 14 default capabilities: no CAP_DAC_READ_SEARCH
    expect(confinement(entered)).toEqual(confinement(app));
    expect(entered.get("uid")).toBe("0");
    // rkt's default seccomp filter kills open_by_handle_at (SIGSYS): no host file is read.
    expect(entered.has("shocker")).toBe(false);
    expect(bare.code).toBe(128 + 31);
  });

  test("a non-root app's user, groups and empty capability sets; its exit code and stdio pass through", async () => {
    const r = await sb.rkt(["enter", "--app=user", uuid, "/probe", "status"]);
    expect(r.code).toBe(0);
    const entered = probeValues(r.stdout);
    const app = await appStatus("user");
    expect(confinement(entered)).toEqual(confinement(app));
    expect([entered.get("uid"), entered.get("gid"), entered.get("CapEff")]).toEqual(["1000", "1000", "0000000000000000"]);

    const io = await sb.rkt(["enter", "--app=user", uuid, "/bin/sh", "-c", "cat; echo to-stderr >&2; exit 7"], { input: "through stdin\n" });
    expect(io).toMatchObject({ code: 7, stdout: "through stdin\n", stderr: "to-stderr\n" });
  });

  test("with a terminal the command gets a terminal of the pod, in a session of its own", async () => {
    const { code, out } = inTerminal([RKT, `--dir=${sb.dataDir}`, "enter", "--app=root", uuid, "/bin/sh", "-c", "test -t 0 && test -t 1 && echo on-a-tty; tty; exit 5"]);
    // (script may echo an end-of-file character of its own in between: each line on its own.)
    expect(out).toMatch(/on-a-tty\r\n/);
    expect(out).toMatch(/(^|\n)(\^@)?\/dev\/pts\/\d+\r\n/);
    expect(code).toBe(5);
  });
});

describe("rkt enter (nspawn) into an app whose /proc and /dev are symlinks out of its root", () => {
  const sb = new Sandbox("sec-enter-links");

  afterAll(async () => {
    await cleanupPods(sb);
    sb.cleanup();
  });

  test("the pod's mounts land inside the app's root and the entered command is confined as the app", async () => {
    // Where the links would lead outside a chroot: made by nobody, and still not there after.
    const outside = sb.path("outside");
    const img = probeImage(sb, "links.aci", {
      name: "example.com/sec-enter-links",
      app: { exec: ["/bin/sh", "-c", APP], user: "0", group: "0" },
      files: { proc: { symlink: `../../../../../../../..${outside}/proc` }, dev: { symlink: `/../../../..${outside}/dev` } },
    });
    const pod = await startPod(sb, ["--net=host", img]);
    await waitUntil(async () => (await sb.rkt(["enter", pod.uuid, "/bin/test", "-e", "/tmp/ready"])).code === 0, 20_000, "the app to record its status");
    const r = await sb.rkt(["enter", pod.uuid, "/probe", "status"]);
    expect(r.code).toBe(0);
    const app = probeValues((await sb.rkt(["enter", pod.uuid, "/bin/cat", "/tmp/app-status"])).stdout, "app");
    expect(app.get("CapBnd")).toBe("00000000a80425fb");
    expect(confinement(probeValues(r.stdout))).toEqual(confinement(app));
    // /proc and /dev are the pod's, through the links, inside the app's root.
    const inside = await sb.rkt(["enter", pod.uuid, "/bin/sh", "-c", `readlink /proc; test -r /proc/self/status && echo proc-ok; test -c /dev/null && echo dev-ok; test -d ${outside}/proc && echo in-root`]);
    expect(inside.stdout).toBe(`../../../../../../../..${outside}/proc\nproc-ok\ndev-ok\nin-root\n`);
    expect(existsSync(outside)).toBe(false);
  });
});
