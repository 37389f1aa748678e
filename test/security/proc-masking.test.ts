// /proc and /sys masking (docs/security.md): what the kernel tells about the host and other
// tenants (keyrings, timers of every process, kernel symbols and config, firmware, devices)
// is masked in every app as runc masks it by default, on top of rkt's list; the kernel's
// knobs are read-only.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cleanupPods } from "../helpers/nspawn.js";
import { expectMasked, expectReadonly, MASKED, probeImage, probeValues, READONLY } from "../helpers/probe.js";
import { Sandbox } from "../helpers/rkt.js";

describe("masked and read-only paths (nspawn)", () => {
  const sb = new Sandbox("sec-proc");
  let img: string;

  beforeAll(() => {
    img = probeImage(sb, "proc.aci", {
      name: "example.com/sec-proc",
      app: { exec: ["/bin/sh", "-c", `/probe masked ${MASKED.join(" ")}; /probe readonly ${READONLY.join(" ")}`], user: "0", group: "0" },
    });
  });
  afterAll(async () => {
    await cleanupPods(sb);
    sb.cleanup();
  });

  test("runc's and rkt's masked paths show nothing; the kernel's knobs are read-only", async () => {
    // The host shows some of them: the masks have something to hide.
    expect(["/proc/keys", "/proc/timer_list", "/proc/kallsyms"].filter((p) => existsSync(p)).length).toBeGreaterThan(0);
    const r = await sb.rkt(["--insecure-options=image", "run", "--net=host", img]);
    expect(r.code).toBe(0);
    const values = probeValues(r.stdout);
    expectMasked(values, MASKED);
    expectReadonly(values, READONLY);
  });
});
