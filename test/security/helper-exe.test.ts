// CVE-2019-5736 class (docs/security.md): a pod that can open the binary of the process that
// set it up, through /proc/PID/exe or a path, and write it, replaces a program the host runs
// as root. The pod init runs from a sealed copy of itself in memory, is not dumpable, and the
// helper binary bound as the stage1's /init is out of every app's mount namespace.
import { readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPod } from "../helpers/net.js";
import { cleanupPods } from "../helpers/nspawn.js";
import { probeImage, probeValues } from "../helpers/probe.js";
import { Sandbox, waitUntil } from "../helpers/rkt.js";

describe("the helper binary, seen from a pod (nspawn)", () => {
  const sb = new Sandbox("sec-helper-exe");
  let img: string;

  beforeAll(() => {
    img = probeImage(sb, "exe.aci", { name: "example.com/sec-exe", app: { exec: ["/bin/sh", "-c", "/probe exe > /tmp/exe; exec sleep 1000"], user: "0", group: "0" } });
  });
  afterAll(async () => {
    await cleanupPods(sb);
    sb.cleanup();
  });

  test("the init's /proc/1/exe is a sealed copy nobody in the pod opens; /init is out of reach after a double chroot", async () => {
    const pod = await startPod(sb, ["--net=host", img]);
    await waitUntil(async () => (await sb.rkt(["enter", pod.uuid, "/bin/test", "-s", "/tmp/exe"])).code === 0, 20_000, "the probe");
    const inside = probeValues((await sb.rkt(["enter", pod.uuid, "/bin/cat", "/tmp/exe"])).stdout);
    expect(inside.get("exe-open-read")).toBe("EACCES");
    expect(inside.get("exe-open-write")).toBe("EACCES");
    expect(inside.get("exe-link")).toBe("EACCES");
    expect(inside.get("init-root")).toBe("EACCES");
    expect(inside.get("escape-init")).toBe("ENOENT");

    // Seen from the host: the init (nspawn's only child) runs from memory, not from the helper.
    const nspawn = Number(readFileSync(join(sb.dataDir, "pods", "run", pod.uuid, "ppid"), "utf8"));
    const init = Number(readFileSync(`/proc/${nspawn}/task/${nspawn}/children`, "utf8").trim());
    expect(readlinkSync(`/proc/${init}/exe`)).toMatch(/^\/memfd:rkt-isolation \(deleted\)$/);
  });
});
