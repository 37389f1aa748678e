// Class 5 of docs/security.md: apps confined by chroot alone leave their root with a double
// chroot (CAP_SYS_CHROOT is a default capability) for the pod's stage1 root: its pod spec, the
// apps' env files and specs, other apps' roots, status files, the helper. Each app has a mount
// namespace of its own and pivot_roots into its root with the old root unmounted (rkt's
// TestMountNSApp wants the apps' mount namespaces to differ); volumes still work.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cleanupPods } from "../helpers/nspawn.js";
import { probeImage, probeValues } from "../helpers/probe.js";
import { Sandbox } from "../helpers/rkt.js";

const RUN = ["--insecure-options=image", "run", "--net=host"];

describe("each app in a mount namespace of its own (nspawn)", () => {
  const sb = new Sandbox("sec-mountns");
  let img: string;

  beforeAll(() => {
    img = probeImage(sb, "mountns.aci", { name: "example.com/sec-mountns", app: { exec: ["/probe", "escape"], user: "0", group: "0" } });
  });
  afterAll(async () => {
    await cleanupPods(sb);
    sb.cleanup();
  });

  test("a double chroot ends at the app's root; two apps' mount namespaces differ; volumes are shared as before", async () => {
    const host = sb.path("host-vol");
    mkdirSync(host);
    writeFileSync(sb.path("host-vol", "from-host"), "<<<host>>>");
    const script = (tag: string, then: string) => [
      "--exec=/bin/sh",
      "--",
      "-c",
      `export PROBE_TAG=${tag}; /probe escape; /probe status; ${then}`,
      "---",
    ];
    const r = await sb.rkt([
      ...RUN,
      "--volume=shared,kind=empty",
      `--volume=host,kind=host,source=${host}`,
      img,
      "--name=a",
      "--mount=volume=shared,target=/shared",
      "--mount=volume=host,target=/host",
      ...script("a", "echo from-a > /shared/file; cat /host/from-host > /host/copied"),
      img,
      "--name=b",
      "--mount=volume=shared,target=/shared",
      ...script("b", "while [ ! -s /shared/file ]; do sleep 0.05; done; echo \"b: shared=$(cat /shared/file)\""),
    ]);
    expect(r.stderr).not.toMatch(/stage1|Error/);
    expect(r.code).toBe(0);
    const a = probeValues(r.stdout, "a");
    const b = probeValues(r.stdout, "b");
    for (const app of [a, b]) {
      expect(app.get("escape-sees")).toBe("none");
      expect(app.get("escape-root-has-probe")).toBe("yes"); // still in the app's own root
    }
    expect(a.get("ns.mnt")).toMatch(/^mnt:\[\d+\]$/);
    expect(a.get("ns.mnt")).not.toBe(b.get("ns.mnt"));
    expect(b.get("shared")).toBe("from-a");
    expect(readFileSync(sb.path("host-vol", "copied"), "utf8")).toBe("<<<host>>>");
  });
});
