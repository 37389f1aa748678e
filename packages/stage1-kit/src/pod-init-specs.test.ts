import type { AppContext } from "@rkt/stage1-api";
import { describe, expect, test } from "vitest";
import type { ResolvedApp } from "./app.js";
import { appInitSpec, podInitSpec } from "./pod-init-specs.js";
import type { SpecSink } from "./spec-sink.js";

/** Records directives as arrays of fields (no encoding: that is the SpecBuilder's). */
class Recorder implements SpecSink {
  readonly lines: (string | number)[][] = [];
  directive(name: string, ...fields: (string | number)[]): this {
    this.lines.push([name, ...fields]);
    return this;
  }
  has(...line: (string | number)[]): boolean {
    return this.lines.some((l) => JSON.stringify(l) === JSON.stringify(line));
  }
}

// A minimal app: a copied root, root's credentials, no mounts.
const ROOT = "/pod/stage1/rootfs/opt/stage2/web/rootfs";
const context: AppContext = { name: "web", imageManifest: { acKind: "ImageManifest", acVersion: "0.8.11", name: "example.com/web" }, rootfs: { kind: "copy", path: ROOT }, rootfsPath: ROOT };
const web: ResolvedApp = {
  name: "web", exec: ["/bin/web"], uid: 0, gid: 0, supplementaryGids: [], workingDirectory: "/", env: new Map(), mounts: [], readOnlyRootfs: false,
  app: { user: "0", group: "0", exec: ["/bin/web"] }, runtimeApp: { name: "web", image: { id: "sha512-x" } }, context,
};

const seccomp = { mode: "remove" as const, errno: "EPERM", syscalls: ["reboot", "mount"] };

describe("the pod init's specs", () => {
  test("the flavor's read-only paths and cgroups; the seccomp syscalls inline without a list file", () => {
    const spec = appInitSpec(new Recorder(), {
      app: web,
      isolation: { capabilities: [], noNewPrivileges: false, seccomp },
      readonlyPaths: ["/proc/bus", "/proc/sys"],
      cgroups: [],
      interactive: false,
      insecurePaths: false,
    });
    expect(spec.lines[0]).toEqual(["root", "/opt/stage2/web/rootfs"]);
    expect(spec.has("readonly", "/proc/bus")).toBe(true);
    expect(spec.has("readonly", "/proc/sys")).toBe(true);
    expect(spec.lines.some((l) => l[0] === "cgroup")).toBe(false);
    expect(spec.has("caps", "-")).toBe(true);
    expect(spec.has("seccomp", "remove", "EPERM", "reboot", "mount")).toBe(true);
    expect(spec.lines.slice(-2)).toEqual([["exec", "/bin/web", "/bin/web"], ["status-file", "/rkt/status/web"]]);
  });

  test("a list file replaces the inline syscalls; cgroups come before the process's isolation", () => {
    const spec = appInitSpec(new Recorder(), {
      app: web,
      isolation: { capabilities: ["CAP_KILL"], noNewPrivileges: true, seccomp },
      readonlyPaths: [],
      cgroups: ["/rkt/cgroup/memory/web"],
      seccompFile: "/rkt/apps/seccomp-x.list",
      interactive: false,
      insecurePaths: false,
    });
    const names = spec.lines.map((l) => l[0]);
    expect(names.slice(names.indexOf("cgroup"), names.indexOf("uid"))).toEqual(["cgroup", "caps", "no-new-privs", "seccomp-file"]);
    expect(spec.has("seccomp-file", "remove", "EPERM", "/rkt/apps/seccomp-x.list")).toBe(true);
    expect(names).not.toContain("readonly");
  });

  test("the pod spec: stop timeout, ready link, control socket, apps in order", () => {
    expect(podInitSpec(new Recorder(), ["a", "b"], { stopTimeoutSeconds: 2.5, controlSocket: "/rkt/init/control.sock" }).lines).toEqual([
      ["stop-timeout", "2.5"],
      ["ready-file", "/rkt/supervisor-status"],
      ["control-socket", "/rkt/init/control.sock"],
      ["app", "a", "/rkt/apps/a.spec"],
      ["app", "b", "/rkt/apps/b.spec"],
    ]);
    expect(podInitSpec(new Recorder(), ["a"], { stopTimeoutSeconds: 1 }).lines.map((l) => l[0])).toEqual(["stop-timeout", "ready-file", "app"]);
  });
});
