// Class 2 of docs/security.md: an image's pre-start and post-stop event handlers are the
// image's code. Run before the app's capabilities were dropped and its seccomp filter was
// installed, they could remount /proc/sys read-write and change the host's kernel settings.
// They run as root, as rkt ran them, but confined as the app: its mount namespace and root,
// cgroups, bounding set, no_new_privs and seccomp filter.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cleanupPods } from "../helpers/nspawn.js";
import { confinement, probeImage, probeValues } from "../helpers/probe.js";
import { Sandbox } from "../helpers/rkt.js";

// The attempt runs in a process of its own: a seccomp filter kills it (SIGSYS), and the handler
// reports how it ended.
const HANDLER = (tag: string) => ["/bin/sh", "-c", `export PROBE_TAG=${tag}; /probe status; /probe remount-sys || echo "${tag}: remount-ended=$?"`];

describe("event handlers (nspawn): the app's confinement", () => {
  const sb = new Sandbox("sec-handlers");
  let img: string;

  beforeAll(() => {
    img = probeImage(sb, "handlers.aci", {
      name: "example.com/sec-handlers",
      app: {
        exec: ["/bin/sh", "-c", "PROBE_TAG=app /probe status"],
        user: "0",
        group: "0",
        eventHandlers: [
          { name: "pre-start", exec: HANDLER("pre") },
          { name: "post-stop", exec: HANDLER("post") },
        ],
      },
    });
  });
  afterAll(async () => {
    await cleanupPods(sb);
    sb.cleanup();
  });

  function handlers(stdout: string): { app: Map<string, string>; pre: Map<string, string>; post: Map<string, string> } {
    return { app: probeValues(stdout, "app"), pre: probeValues(stdout, "pre"), post: probeValues(stdout, "post") };
  }

  test("pre-start and post-stop share the app's confinement; the seccomp filter kills a remount of /proc/sys", async () => {
    const r = await sb.rkt(["--insecure-options=image", "run", "--net=host", img, "--memory=128M"]);
    expect(r.code).toBe(0);
    const { app, ...hs } = handlers(r.stdout);
    expect(app.get("CapBnd")).toBe("00000000a80425fb");
    expect(app.get("cgroup")).toMatch(/:memory:\/apps\/sec-handlers(;|$)/);
    for (const [tag, h] of Object.entries(hs)) {
      expect(h.get("uid"), `the ${tag} handler's uid`).toBe("0");
      expect(confinement(h), `the ${tag} handler's confinement`).toEqual(confinement(app));
      expect(h.get("remount-ended"), `the ${tag} handler's remount`).toBe(String(128 + 31));
    }
  });

  test("without a seccomp filter, the bounding set alone refuses the remount and the host sysctl", async () => {
    const r = await sb.rkt(["--insecure-options=image,seccomp", "run", "--net=host", img]);
    expect(r.code).toBe(0);
    const { app, ...hs } = handlers(r.stdout);
    for (const [tag, h] of Object.entries(hs)) {
      expect(h.get("CapBnd"), tag).toBe(app.get("CapBnd"));
      expect(h.get("remount"), `the ${tag} handler's remount`).toBe("EPERM");
      expect(h.get("sysctl-open-write"), `the ${tag} handler's sysctl`).toBe("EROFS");
    }
  });
});
