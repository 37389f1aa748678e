import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { isStage1Error, NotImplementedError, ProtocolMismatchError, Stage1Error } from "./errors.js";
import { stage1InterfaceVersion } from "./image-contract.js";
import { appEnvFile, appInfoDir, appRootfs, appStatusFile, pathComponentProblem, safeJoin, sharedVolumeDir, UnsafePathError } from "./layout.js";
import { podFiles, readPodPid, shQuote, writeAppEnv, writeAppStatus, writePodPid } from "./pod-files.js";

const dir = mkdtempSync(join(tmpdir(), "stage1-api-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("isStage1Error", () => {
  test("Stage1Error and its subclasses, not other errors", () => {
    expect(isStage1Error(new Stage1Error("x"))).toBe(true);
    expect(isStage1Error(new NotImplementedError("fly", "enter"))).toBe(true);
    expect(isStage1Error(new ProtocolMismatchError("a@1.0.0", "^2.0.0", "1.0.0"))).toBe(true);
    for (const other of [new Error("x"), new TypeError("x"), "Stage1Error", null, undefined, { name: "Stage1Error" }]) {
      expect(isStage1Error(other)).toBe(false);
    }
  });

  test("errors from another copy of the package (a plugin's own node_modules) are recognised", async () => {
    // A second, separate module instance of errors.ts: its class is not the one imported above.
    const copy = (await import(/* @vite-ignore */ `${pathToFileURL(join(import.meta.dirname, "errors.ts")).href}?copy=1`)) as typeof import("./errors.js");
    expect(copy.Stage1Error).not.toBe(Stage1Error);
    const foreign = new copy.UnsupportedOptionError("hello", "--hostname", "hostname");
    expect(foreign instanceof Stage1Error).toBe(false);
    expect(isStage1Error(foreign)).toBe(true);
  });
});

describe("pod files", () => {
  test("pid, ppid, status and env files in rkt's formats", () => {
    const files = podFiles(dir);
    writePodPid(dir, 1234);
    expect(readFileSync(files.pid, "utf8")).toBe("1234\n");
    expect(readPodPid(dir)).toBe(1234);
    writeAppStatus(files.stage1Root, "web", 7);
    expect(readFileSync(join(dir, "stage1/rootfs/rkt/status/web"), "utf8")).toBe("7\n");
    writeAppEnv(files.stage1Root, "web", new Map([["A", "1"], ["B", "x=y"]]));
    expect(readFileSync(files.appEnv("web"), "utf8")).toBe("A=1\nB=x=y\n");
    expect(files.appRootfs("web")).toBe(join(dir, "stage1/rootfs/opt/stage2/web/rootfs"));
    expect(statSync(files.pid).mode & 0o777).toBe(0o644);
  });

  test("ppid: the pid of its single child", async () => {
    const d = mkdtempSync(join(dir, "ppid-"));
    const parent = spawn("/bin/sh", ["-c", "sleep 30 & wait"], { stdio: "ignore" });
    try {
      writePodPid(d, parent.pid!, "ppid");
      let child: number | undefined;
      for (let i = 0; i < 100 && child === undefined; i++) {
        child = readPodPid(d);
        if (child === undefined) await new Promise((r) => setTimeout(r, 20));
      }
      expect(child).toBeGreaterThan(parent.pid!);
    } finally {
      parent.kill("SIGKILL");
    }
  });

  test("shQuote survives the shell", async () => {
    const words = ["plain", "with space", "it's", "$HOME", "a\nb", "", "--x=1,2"];
    const out = await new Promise<string>((resolve) => {
      const sh = spawn("/bin/sh", ["-c", `printf '%s\\0' ${words.map(shQuote).join(" ")}`]);
      let s = "";
      sh.stdout.on("data", (d: Buffer) => (s += d.toString()));
      sh.on("close", () => resolve(s));
    });
    expect(out.split("\0").slice(0, -1)).toEqual(words);
  });
});

describe("the stage1 image contract", () => {
  const m = (value?: string) => ({
    acKind: "ImageManifest" as const,
    acVersion: "0.8.11",
    name: "x",
    annotations: value === undefined ? [] : [{ name: "coreos.com/rkt/stage1/interface-version", value }],
  });
  test("interface version: the annotation, 1 when absent, an error when not a positive integer", () => {
    expect(stage1InterfaceVersion(m())).toBe(1);
    expect(stage1InterfaceVersion(m("5"))).toBe(5);
    expect(() => stage1InterfaceVersion(m("five"))).toThrow(`invalid stage1 interface version "five"`);
    expect(() => stage1InterfaceVersion(m("0"))).toThrow(Stage1Error);
  });
});

describe("safeJoin: names become paths only as one plain component", () => {
  const hostile = ["", ".", "..", "/", "../x", "a/b", "/etc", "a\u0000b", "a\nb", "x".repeat(256), "\u00e9".repeat(128)];
  test.each(hostile)("refuses %j", (name) => {
    expect(pathComponentProblem(name)).toBeDefined();
    expect(() => safeJoin("/pod", [name], "app name")).toThrow(UnsafePathError);
    for (const f of [appRootfs, appStatusFile, appEnvFile, appInfoDir, sharedVolumeDir]) expect(() => f("/pod", name)).toThrow(UnsafePathError);
  });
  test("an UnsafePathError is a Stage1Error naming what was refused", () => {
    const err = (() => {
      try {
        safeJoin("/pod", ["ok", "../../etc"], "volume name");
      } catch (e) {
        return e;
      }
    })();
    expect(isStage1Error(err)).toBe(true);
    expect((err as Error).message).toBe(`refusing volume name "../../etc" as a path component: it contains "/"`);
  });
  test("plain names, including dots inside and literal look-alikes, join as usual", () => {
    expect(safeJoin("/pod", ["a..b", "%2e%2e", "x".repeat(255)])).toBe(`/pod/a..b/%2e%2e/${"x".repeat(255)}`);
    expect(appInfoDir("/pod", "web")).toBe("/pod/appsinfo/web");
    expect(sharedVolumeDir("/pod", "data")).toBe("/pod/sharedVolumes/data");
  });
});
