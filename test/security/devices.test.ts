// Class 7 of docs/security.md: an app with CAP_MKNOD (a default capability) makes a node of a
// host device and opens it: a disk to read, memory. cgroup v1 has the devices hierarchy for
// that; cgroup v2 has no devices files, only BPF_PROG_TYPE_CGROUP_DEVICE programs, so a host
// with the unified hierarchy alone restricted nothing. The pod's process attaches one to the
// pod's cgroup in the unified hierarchy, with the list the v1 hierarchy gets.
//
// This host is hybrid (v1 controllers and the unified hierarchy, which takes BPF device
// programs whatever its controllers): rkt runs here in a mount namespace of the test's own
// where the v1 devices hierarchy is unmounted, so the stage1 finds the unified one only, as on
// a host without v1. Its processes are in the root devices cgroup of v1 (no restriction).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cleanupPods } from "../helpers/nspawn.js";
import { probeImage, probeValues } from "../helpers/probe.js";
import { RKT, run, Sandbox } from "../helpers/rkt.js";

// loop0 (a block device whose open needs nothing but the node) and /dev/mem.
const PROBES = "PROBE_TAG=loop /probe mknod b 7 0; PROBE_TAG=mem /probe mknod c 1 1; PROBE_TAG=null /probe mknod c 1 3; cat /dev/null && echo null: dev-null=ok";

describe("the device policy on the unified cgroup hierarchy (nspawn)", () => {
  const sb = new Sandbox("sec-devices");
  let img: string;

  beforeAll(() => {
    img = probeImage(sb, "devices.aci", { name: "example.com/sec-devices", app: { exec: ["/bin/sh", "-c", PROBES], user: "0", group: "0" } });
  });
  afterAll(async () => {
    await cleanupPods(sb);
    sb.cleanup();
  });

  test("without the v1 devices hierarchy, mknod of a disk or of /dev/mem fails; /dev/null works", async () => {
    // A slave mount namespace: the unmount stays in it. --net=host: no network namespace to
    // bind under /run/netns, which the host would not see.
    const r = await run("unshare", [
      "--mount",
      "--propagation=slave",
      "sh",
      "-c",
      'umount /sys/fs/cgroup/devices && exec "$@"',
      "sh",
      RKT,
      `--dir=${sb.dataDir}`,
      "--insecure-options=image",
      "run",
      "--net=host",
      img,
    ]);
    expect(r.code).toBe(0);
    for (const dev of ["loop", "mem"]) expect(probeValues(r.stdout, dev).get("mknod"), dev).toBe("EPERM");
    const nul = probeValues(r.stdout, "null");
    expect([nul.get("mknod"), nul.get("open"), nul.get("dev-null")]).toEqual(["ok", "ok", "ok"]);
  });

  test("with both hierarchies (this host as it is), the same", async () => {
    const r = await sb.rkt(["--insecure-options=image", "run", "--net=host", img]);
    expect(r.code).toBe(0);
    for (const dev of ["loop", "mem"]) expect(probeValues(r.stdout, dev).get("mknod"), dev).toBe("EPERM");
    expect(probeValues(r.stdout, "null").get("dev-null")).toBe("ok");
  });
});
