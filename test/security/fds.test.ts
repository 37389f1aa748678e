// File descriptors leaked into a pod (docs/security.md): whatever the process that started
// rkt left open (a socket, a log, a lock) must not reach an app, its handlers or an rkt enter
// command, which would read or write it from inside the pod. Only 0-2 (and what a spec names
// with keep-fd) cross an exec of the helper.
import { closeSync, openSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPod } from "../helpers/net.js";
import { cleanupPods } from "../helpers/nspawn.js";
import { probeImage, probeValues } from "../helpers/probe.js";
import { Sandbox, type Result } from "../helpers/rkt.js";

/** rkt with two more open fds (3 and 4: a secret file of the host, read-write). */
async function rktWithFds(sb: Sandbox, args: string[]): Promise<Result> {
  writeFileSync(sb.path("secret"), "<<<host secret>>>");
  const fd = openSync(sb.path("secret"), "r+");
  try {
    return await sb.rkt(args, { extraFds: [fd, fd] });
  } finally {
    closeSync(fd);
  }
}

describe("inherited file descriptors (nspawn)", () => {
  const sb = new Sandbox("sec-fds");
  let img: string;

  beforeAll(() => {
    img = probeImage(sb, "fds.aci", {
      name: "example.com/sec-fds",
      app: { exec: ["/bin/sh", "-c", "PROBE_TAG=app /probe fds"], user: "0", group: "0", eventHandlers: [{ name: "pre-start", exec: ["/bin/sh", "-c", "PROBE_TAG=pre /probe fds"] }] },
    });
  });
  afterAll(async () => {
    await cleanupPods(sb);
    sb.cleanup();
  });

  test("an rkt enter command gets none of rkt enter's fds but 0-2", async () => {
    const pod = await startPod(sb, ["--net=host", img, "--exec=/bin/sleep", "--", "1000"]);
    const r = await rktWithFds(sb, ["enter", pod.uuid, "/probe", "fds"]);
    expect(r.code).toBe(0);
    expect(probeValues(r.stdout).get("fds")).toBe("none");
  });

  test("an app and its handler get none of rkt run's fds but 0-2", async () => {
    const r = await rktWithFds(sb, ["--insecure-options=image", "run", "--net=host", img]);
    expect(r.code).toBe(0);
    expect(probeValues(r.stdout, "pre").get("fds")).toBe("none");
    expect(probeValues(r.stdout, "app").get("fds")).toBe("none");
  });
});
