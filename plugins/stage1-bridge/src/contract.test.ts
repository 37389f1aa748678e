import type { ImageManifest, RuntimeOptions } from "@rkt/stage1-api";
import { isStage1Error } from "@rkt/stage1-api";
import { describe, expect, test } from "vitest";
import { enterArgs, entrypoint, gcArgs, runArgs, stopArgs } from "./contract.js";

const UUID = "0b7d6f6e-1111-4222-8333-444455556666";

function options(over: Partial<RuntimeOptions> = {}): RuntimeOptions {
  return {
    debug: false,
    interactive: false,
    net: [],
    network: { host: true },
    dns: { resolv: "default", hosts: "default" },
    ipc: "auto",
    insecure: { capabilities: false, paths: false, seccomp: false },
    localConfigDir: "/etc/rkt",
    ...over,
  };
}

describe("run argv per interface version", () => {
  test("the minimal argv: --net=default, --local-config, the UUID", () => {
    for (const v of [1, 2, 3, 4, 5, 6]) {
      expect(runArgs(v, UUID, options())).toEqual({ args: ["--net=default", "--local-config=/etc/rkt", UUID], warnings: [] });
    }
  });

  test("rkt's order with everything given, at version 6", () => {
    const o = options({
      debug: true,
      interactive: true,
      hostname: "h1",
      net: [{ name: "default" }, { name: "mynet", args: "IP=10.1.1.1" }],
      dns: { resolv: "host", hosts: "default" },
      insecure: { capabilities: true, paths: true, seccomp: true },
      ipc: "parent",
    });
    expect(runArgs(6, UUID, o).args).toEqual([
      "--debug",
      "--net=default,mynet:IP=10.1.1.1",
      "--interactive",
      "--local-config=/etc/rkt",
      "--hostname=h1",
      "--dns-conf-mode=resolv=host,hosts=default",
      "--disable-capabilities-restriction",
      "--disable-paths",
      "--disable-seccomp",
      "--ipc=parent",
      UUID,
    ]);
  });

  test("options a version cannot take are dropped: with rkt's warning, or silently for the insecure ones", () => {
    const o = options({ hostname: "h1", dns: { resolv: "none", hosts: "host" }, insecure: { capabilities: true, paths: false, seccomp: true }, ipc: "private" });
    expect(runArgs(1, UUID, o)).toEqual({
      args: ["--net=default", "--local-config=/etc/rkt", UUID],
      warnings: [
        "warning: --hostname option is not supported by stage1",
        "warning: --dns-conf-mode option not supported by stage1",
        "warning: --ipc option is not supported by stage1",
      ],
    });
    expect(runArgs(2, UUID, o).args).toContain("--hostname=h1");
    expect(runArgs(2, UUID, o).args).not.toContain("--disable-seccomp");
    expect(runArgs(3, UUID, o).args).toEqual(expect.arrayContaining(["--disable-capabilities-restriction", "--disable-seccomp"]));
    expect(runArgs(3, UUID, o).args).not.toContain("--disable-paths");
    expect(runArgs(4, UUID, o).args).toContain("--dns-conf-mode=resolv=none,hosts=host");
    expect(runArgs(5, UUID, o).warnings).toEqual(["warning: --ipc option is not supported by stage1"]);
    expect(runArgs(6, UUID, o).args).toContain("--ipc=private");
  });
});

describe("the other entrypoints", () => {
  test("enter, stop and gc", () => {
    expect(enterArgs(42, "app", ["/bin/sh", "-c", "echo hi"])).toEqual(["--pid=42", "--appname=app", "--", "/bin/sh", "-c", "echo hi"]);
    expect(stopArgs(false, UUID)).toEqual([UUID]);
    expect(stopArgs(true, UUID)).toEqual(["--force", UUID]);
    expect(gcArgs(4, true, "/etc/rkt", UUID)).toEqual(["--debug", UUID]);
    expect(gcArgs(5, false, "/etc/rkt", UUID)).toEqual(["--local-config", "/etc/rkt", UUID]);
  });

  test("a missing annotation is rkt's error", () => {
    const m: ImageManifest = {
      acKind: "ImageManifest",
      acVersion: "0.8.11",
      name: "x",
      annotations: [{ name: "coreos.com/rkt/stage1/run", value: "/run" }],
    };
    expect(entrypoint(m, "run")).toEqual(["run"]);
    const stop = (() => {
      try {
        entrypoint(m, "stop");
      } catch (err) {
        return err;
      }
    })();
    expect(isStage1Error(stop)).toBe(true);
    expect((stop as Error).message).toBe(`rkt stop not implemented for pod's stage1: entrypoint "coreos.com/rkt/stage1/stop" not found`);
    expect(() => entrypoint(m, "gc")).toThrow(`error determining 'gc' entrypoint: entrypoint "coreos.com/rkt/stage1/gc" not found`);
  });

  test.each(["../../../bin/sh", "/opt/../../../bin/sh", "/", "/./init", "/in\nit"])("an entrypoint outside the stage1 root is refused: %j", (value) => {
    const m: ImageManifest = { acKind: "ImageManifest", acVersion: "0.8.11", name: "x", annotations: [{ name: "coreos.com/rkt/stage1/run", value }] };
    expect(() => entrypoint(m, "run")).toThrow(/stage1 image annotation coreos\.com\/rkt\/stage1\/run: .* is not a path inside the stage1 root/);
  });
});
