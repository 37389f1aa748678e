// Beyond the listed classes, the host side of rkt as a root tool: what its caller's
// environment can make it run, the permissions of what it creates whatever the caller's
// umask, and paths a local user could swap (a planted symlink in /tmp, a data directory
// others can write). Each test is an attack that worked on main.
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "../fixtures/aci.js";
import { cleanupPods } from "../helpers/nspawn.js";
import { RKT, run, Sandbox } from "../helpers/rkt.js";

const sb = new Sandbox("sec-host-side");
const INSECURE = "--insecure-options=image";
let img: string;

/** `rkt ARGS` with this sandbox's directories, in a shell that first runs `prelude` (umask 000). */
function rktIn(prelude: string, args: string[]) {
  const all = [`--dir=${sb.dataDir}`, `--local-config=${sb.localConfig}`, `--system-config=${sb.systemConfig}`, ...args];
  return run("/bin/sh", ["-c", `${prelude}; exec "$0" "$@"`, RKT, ...all]);
}

beforeAll(() => {
  img = buildAci(sb.path("app.aci"), { name: "example.com/app", app: { exec: ["/bin/sh", "-c", "echo ran"], user: "0", group: "0" } });
});

afterAll(async () => {
  await cleanupPods(sb);
  sb.cleanup();
});

describe("the caller's environment cannot make rkt run code as root", () => {
  test("NODE_OPTIONS=--require, NODE_PATH and LD_PRELOAD are not passed to Node.js", async () => {
    const marker = sb.path("env-marker");
    const js = sb.path("evil.js");
    writeFileSync(js, `require("fs").appendFileSync(${JSON.stringify(marker)}, "NODE_OPTIONS\\n");\n`);
    const c = sb.path("evil.c");
    writeFileSync(c, `#include <stdio.h>\n__attribute__((constructor)) static void evil(void) { FILE *f = fopen(${JSON.stringify(marker)}, "a"); if (f) { fputs("LD_PRELOAD\\n", f); fclose(f); } }\n`);
    const so = sb.path("evil.so");
    execFileSync("gcc", ["-shared", "-fPIC", "-o", so, c]);
    const r = await sb.rkt(["version"], { env: { NODE_OPTIONS: `--require=${js}`, NODE_PATH: sb.path(), LD_PRELOAD: so } });
    expect(existsSync(marker) ? readFileSync(marker, "utf8") : "").toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^rkt Version: /m);
  });

  test("RKT_NODE and RKT_CLI are refused unless root alone can change them", async () => {
    const marker = sb.path("override-marker");
    const dir = sb.path("user-owned");
    mkdirSync(dir, { recursive: true });
    const fake = join(dir, "node");
    writeFileSync(fake, `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    chownSync(dir, 4242, 4242);
    chownSync(fake, 4242, 4242);
    const byUser = await sb.rkt(["version"], { env: { RKT_NODE: fake } });
    expect(existsSync(marker)).toBe(false);
    expect(byUser.code).toBe(254);
    expect(byUser.stderr).toMatch(/RKT_NODE=.* is not used: .* is not owned by root/);

    const open = sb.path("world-writable");
    mkdirSync(open, { recursive: true });
    chmodSync(open, 0o777);
    const cli = join(open, "rkt.cjs");
    writeFileSync(cli, `require("fs").writeFileSync(${JSON.stringify(marker)}, "");\n`);
    const writable = await sb.rkt(["version"], { env: { RKT_CLI: cli } });
    expect(existsSync(marker)).toBe(false);
    expect(writable.code).toBe(254);
    expect(writable.stderr).toMatch(/RKT_CLI=.* is not used: .* is writable by other users \(mode 0777\)/);

    // The developer override itself still works with root's files.
    const ok = await sb.rkt(["version"], { env: { RKT_NODE: process.execPath } });
    expect(ok.code).toBe(0);
  });
});

describe("what rkt creates", () => {
  test("with the caller's umask 000, nothing of rkt's is writable by others; the apps' environment files are root's only", async () => {
    const r = await rktIn("umask 000", [INSECURE, "run", "--set-env=SECRET=hunter2", img]);
    expect(r.code).toBe(0);
    // rkt's own files: not the image trees and app roots, whose modes are the images' (/tmp is 1777).
    const images = /(^|\/)(cas\/tree\/[^/]+\/rootfs|overlay\/[^/]+\/upper\/[^/]+|opt\/stage2\/[^/]+\/rootfs)(\/|$)/;
    const writable: string[] = [];
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        const rel = relative(sb.dataDir, p);
        const st = lstatSync(p);
        if (!st.isSymbolicLink() && !images.test(rel) && (st.mode & 0o002) !== 0) writable.push(`${rel} ${(st.mode & 0o7777).toString(8)}`);
        if (st.isDirectory() && !images.test(rel)) walk(p);
      }
    };
    walk(sb.dataDir);
    expect(writable).toEqual([]);
    const pods = readdirSync(join(sb.dataDir, "pods", "run"));
    const envFile = join(sb.dataDir, "pods", "run", pods[0]!, "stage1", "rootfs", "rkt", "env", "app");
    expect(readFileSync(envFile, "utf8")).toContain("SECRET=hunter2");
    expect(lstatSync(envFile).mode & 0o777).toBe(0o600);
  });

  test("--uuid-file-save does not write through a symlink planted where the file should be", async () => {
    const victim = sb.path("precious");
    writeFileSync(victim, "precious\n");
    const planted = sb.path("uuid-planted");
    symlinkSync(victim, planted);
    const r = await sb.rkt([INSECURE, "run", `--uuid-file-save=${planted}`, img]);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(r.code).toBe(0);
    expect(lstatSync(planted).isFile()).toBe(true);
    expect(readFileSync(planted, "utf8")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("a data directory another local user could change is refused", async () => {
    const open = sb.path("open-parent");
    mkdirSync(open, { recursive: true });
    chmodSync(open, 0o777);
    const r = await run(RKT, [`--dir=${join(open, "data")}`, "list"]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/cannot use .*open-parent\/data as the data directory: .*open-parent is writable by other users \(mode 0777\)/);
    const theirs = sb.path("their-data");
    mkdirSync(theirs, { recursive: true });
    chownSync(theirs, 4242, 4242);
    const owned = await run(RKT, [`--dir=${theirs}`, "list"]);
    expect(owned.code).toBe(254);
    expect(owned.stderr).toMatch(/their-data belongs to user 4242/);
  });
});
