// The security classes of docs/security.md that apply inside a kvm pod's VM, in one VM (a boot
// costs seconds under TCG): rkt enter gets its app's confinement (class 1), event handlers too
// (class 2), each app has its own mount namespace and a double chroot ends at its root (class
// 5), /proc is masked and the kernel's knobs read-only, the guest's init binary is out of reach.
// The VM is the boundary towards the host; these keep an app inside its own part of the VM.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPod } from "../helpers/net.js";
import { cleanupPods } from "../helpers/nspawn.js";
import { confinement, expectMasked, expectReadonly, MASKED, probeImage, probeValues, READONLY } from "../helpers/probe.js";
import { Sandbox, waitUntil } from "../helpers/rkt.js";

const KERNEL_CACHE = "/var/cache/rkt/kvm/kernel";

/** Every probe of the app, into files of its /tmp; then it waits. */
const APP = [
  "cp /probe /bin/bash",
  "PROBE_TAG=app /probe status > /tmp/app-status",
  "/probe escape > /tmp/escape",
  `/probe masked ${MASKED.join(" ")} > /tmp/masked`,
  `/probe readonly ${READONLY.join(" ")} >> /tmp/masked`,
  "/probe exe > /tmp/exe",
  "touch /tmp/ready",
  "exec sleep 1000",
].join("; ");
const PRE_START = ["/bin/sh", "-c", "PROBE_TAG=pre /probe status > /tmp/pre-status; (/probe remount-sys || echo remount-ended=$?) >> /tmp/pre-status"];

describe.skipIf(!existsSync(KERNEL_CACHE))("a kvm pod's apps (in the VM)", () => {
  const sb = new Sandbox("sec-kvm");
  let uuid: string;

  beforeAll(async () => {
    const img = probeImage(sb, "kvm.aci", { name: "example.com/sec-kvm", app: { exec: ["/bin/sh", "-c", APP], user: "0", group: "0", eventHandlers: [{ name: "pre-start", exec: PRE_START }] } });
    const pod = await startPod(sb, ["--stage1-name=kvm", "--net=host", img, "--name=a", img, "--name=b"]);
    uuid = pod.uuid;
    for (const app of ["a", "b"]) {
      await waitUntil(async () => (await sb.rkt(["enter", `--app=${app}`, uuid, "/bin/test", "-e", "/tmp/ready"])).code === 0, 60_000, `app ${app}'s probes`);
    }
  });
  afterAll(async () => {
    await cleanupPods(sb);
    sb.cleanup();
  });

  async function file(app: string, path: string, tag?: string): Promise<Map<string, string>> {
    const r = await sb.rkt(["enter", `--app=${app}`, uuid, "/bin/cat", path]);
    expect(r.code).toBe(0);
    return probeValues(r.stdout, tag);
  }

  test("rkt enter: the image's /bin/bash, as a bare rkt enter runs it, is confined as its app", async () => {
    const bare = await sb.rkt(["enter", "--app=a", uuid]);
    expect(bare.stderr).toContain('no command specified, assuming "/bin/bash"');
    const app = await file("a", "/tmp/app-status", "app");
    expect(app.get("CapBnd")).toBe("00000000a80425fb");
    expect(confinement(probeValues(bare.stdout))).toEqual(confinement(app));
    expect(bare.code).toBe(128 + 31); // the seccomp filter kills open_by_handle_at
  });

  test("the pre-start handler: root, confined as its app; it cannot remount /proc/sys", async () => {
    const pre = await file("a", "/tmp/pre-status", "pre");
    const app = await file("a", "/tmp/app-status", "app");
    expect(pre.get("uid")).toBe("0");
    expect(confinement(pre)).toEqual(confinement(app));
    expect((await file("a", "/tmp/pre-status")).get("remount-ended")).toBe(String(128 + 31));
  });

  test("each app its own mount namespace; a double chroot ends at its root", async () => {
    const a = await file("a", "/tmp/app-status", "app");
    const b = await file("b", "/tmp/app-status", "app");
    expect(a.get("ns.mnt")).not.toBe(b.get("ns.mnt"));
    const escape = await file("a", "/tmp/escape");
    expect(escape.get("escape-sees")).toBe("none");
    expect(escape.get("escape-root-has-probe")).toBe("yes");
  });

  test("masked and read-only paths; the guest's init is out of reach", async () => {
    const values = await file("a", "/tmp/masked");
    expectMasked(values, MASKED);
    expectReadonly(values, READONLY);
    const exe = await file("a", "/tmp/exe");
    expect(exe.get("exe-open-write")).toBe("EACCES");
    expect(exe.get("init-root")).toBe("EACCES");
  });
});
