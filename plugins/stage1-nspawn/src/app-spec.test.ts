import type { AppContext } from "@rkt/stage1-api";
import type { ResolvedApp } from "@rkt/stage1-kit";
import { describe, expect, test } from "vitest";
import { appSpec } from "./app-spec.js";

function app(over: Partial<ResolvedApp> = {}): ResolvedApp {
  const context: AppContext = {
    name: "web",
    imageManifest: { acKind: "ImageManifest", acVersion: "0.8.11", name: "example.com/web" },
    rootfs: { kind: "copy", path: "/pod/stage1/rootfs/opt/stage2/web/rootfs" },
    rootfsPath: "/pod/stage1/rootfs/opt/stage2/web/rootfs",
  };
  return {
    name: "web",
    exec: ["/bin/web", "--port", "80"],
    uid: 1000,
    gid: 100,
    supplementaryGids: [400],
    workingDirectory: "/srv",
    env: new Map([["AC_APP_NAME", "web"]]),
    mounts: [],
    readOnlyRootfs: false,
    app: { user: "1000", group: "100", exec: ["/bin/web"] },
    runtimeApp: { name: "web", image: { id: "sha512-x" } },
    context,
    ...over,
  };
}

const isolation = { capabilities: ["CAP_CHOWN", "CAP_KILL"], noNewPrivileges: true, seccomp: { mode: "retain" as const, syscalls: ["read"] } };

function lines(text: string): string[] {
  return text.trim().split("\n");
}

describe("appSpec", () => {
  test("API filesystems with rkt's masked paths, then the process", () => {
    const spec = lines(appSpec({ app: app(), isolation, seccompFile: "/rkt/seccomp/x.list", cgroups: ["/rkt/cgroup/memory/web"], interactive: false, insecurePaths: false }).toString());
    expect(spec.slice(0, 5)).toEqual(["version 1", "root /opt/stage2/web/rootfs", "bind /dev /dev rec", "bind /proc /proc rec", "bind /sys /sys rec"]);
    expect(spec).toContain("mask /proc/kallsyms /rkt/inaccessible/dir /rkt/inaccessible/file");
    expect(spec).toContain("mask /sys/firmware /rkt/inaccessible/dir /rkt/inaccessible/file");
    expect(spec).toContain("readonly /proc/sysrq-trigger");
    expect(spec).toContain("bind /etc/hostname /etc/hostname ro");
    expect(spec.slice(spec.indexOf("cgroup /rkt/cgroup/memory/web"))).toEqual([
      "cgroup /rkt/cgroup/memory/web",
      "caps CAP_CHOWN,CAP_KILL",
      "no-new-privs",
      "seccomp-file retain kill /rkt/seccomp/x.list",
      "uid 1000",
      "gid 100",
      "groups 400",
      "cwd /srv",
      "env AC_APP_NAME=web",
      "stdin null",
      "exec /bin/web /bin/web --port 80",
      "status-file /rkt/status/web",
    ]);
  });

  test("insecure paths, mounts on /sys, read-only root, interactive, all capabilities", () => {
    const a = app({
      readOnlyRootfs: true,
      mounts: [{ volume: { name: "s", kind: "empty" }, target: "/sys/class/x", readOnly: false, recursive: false, source: "/pod/sharedVolumes/s" }],
    });
    const spec = lines(appSpec({ app: a, isolation: { capabilities: "all", noNewPrivileges: false }, cgroups: [], interactive: true, insecurePaths: true }).toString());
    expect(spec.some((l) => l.startsWith("mask ") || l.startsWith("readonly "))).toBe(false);
    expect(spec.some((l) => l.startsWith("bind /sys"))).toBe(false);
    expect(spec).toContain("readonly-root");
    expect(spec).toContain("tty");
    expect(spec).not.toContain("stdin null");
    expect(spec.some((l) => l.startsWith("caps") || l.startsWith("seccomp"))).toBe(false);
  });

  test("event handlers, and their errors", () => {
    const handlers = app({ app: { user: "0", group: "0", eventHandlers: [{ name: "pre-start", exec: ["/bin/sh", "-c", "echo pre"] }, { name: "post-stop", exec: ["/bin/true"] }] } });
    const spec = lines(appSpec({ app: handlers, isolation, seccompFile: "/f", cgroups: [], interactive: false, insecurePaths: false }).toString());
    expect(spec).toContain("pre-start /bin/sh /bin/sh -c echo%20pre");
    expect(spec).toContain("post-stop /bin/true /bin/true");
    const bad = app({ app: { user: "0", group: "0", eventHandlers: [{ name: "on-reboot" as "pre-start", exec: ["/bin/true"] }] } });
    expect(() => appSpec({ app: bad, isolation, seccompFile: "/f", cgroups: [], interactive: false, insecurePaths: false })).toThrow(/unknown event handler "on-reboot"/);
  });
});
