import { execFileSync } from "node:child_process";
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { cpioNewc } from "./cpio.js";

describe("cpioNewc", () => {
  const dir = mkdtempSync(join(tmpdir(), "rkt-cpio-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const archive = cpioNewc([
    { kind: "dir", path: "etc" },
    { kind: "file", path: "etc/hello", data: Buffer.from("hello\n"), mode: 0o640 },
    { kind: "file", path: "init", data: Buffer.from("#!/bin/sh\n"), mode: 0o755 },
    { kind: "file", path: "empty", data: Buffer.alloc(0) },
    { kind: "symlink", path: "link", target: "etc/hello" },
    { kind: "char", path: "console", major: 5, minor: 1 },
  ]);

  test("GNU cpio reads it back: names, contents, modes, links, device nodes", () => {
    const listing = execFileSync("cpio", ["-t", "-v", "--quiet"], { input: archive }).toString();
    expect(listing).toMatch(/^drwxr-xr-x .* etc$/m);
    expect(listing).toMatch(/^-rw-r----- .* etc\/hello$/m);
    expect(listing).toMatch(/^lrwxrwxrwx .* link -> etc\/hello$/m);
    expect(listing).toMatch(/^crw------- .* 5,\s+1 .* console$/m);
    execFileSync("cpio", ["-i", "-d", "--quiet", "--no-absolute-filenames"], { input: archive, cwd: dir });
    expect(readFileSync(join(dir, "etc/hello"), "utf8")).toBe("hello\n");
    expect(lstatSync(join(dir, "init")).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(dir, "link"))).toBe("etc/hello");
    expect(lstatSync(join(dir, "empty")).size).toBe(0);
  });

  test("is aligned to 4 bytes and ends with the trailer", () => {
    expect(archive.length % 4).toBe(0);
    expect(archive.subarray(0, 6).toString()).toBe("070701");
    expect(archive.includes(Buffer.from("TRAILER!!!\0"))).toBe(true);
  });

  test("equal entries give equal bytes (the cache key)", () => {
    const again = cpioNewc([{ kind: "file", path: "a", data: Buffer.from("x") }]);
    expect(again.equals(cpioNewc([{ kind: "file", path: "/a", data: Buffer.from("x") }]))).toBe(true);
  });

  test("refuses paths that climb out", () => {
    expect(() => cpioNewc([{ kind: "dir", path: "a/../b" }])).toThrow(/invalid path/);
    expect(() => cpioNewc([{ kind: "dir", path: "" }])).toThrow(/invalid path/);
  });
});
