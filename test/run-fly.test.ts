// rkt run on the fly stage1, end to end: real images, the real launcher and helper.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { REPO, Sandbox } from "./helpers/rkt.js";

const FLY = ["--insecure-options=image", "run", "--stage1-name=fly"];

describe("rkt run --stage1-name=fly", () => {
  const sb = new Sandbox("fly");
  let hello: string;

  beforeAll(() => {
    hello = buildAci(sb.path("hello.aci"), {
      name: "example.com/hello",
      version: "1.0",
      app: {
        exec: ["/bin/sh", "-c", "echo hello from $AC_APP_NAME; exit 3"],
        user: "0",
        group: "0",
        environment: [{ name: "FROM_IMAGE", value: "image" }],
      },
      passwd: ["user1:x:1000:1000:user one:/home/user1:/bin/sh"],
      group: ["group1:x:100:", "user1:x:1000:"],
      files: { "data/in-image": "<<<image>>>", "work/dir/here": "x" },
    });
  });
  afterAll(() => sb.cleanup());

  test("fetch prints the image ID: sha512 of the uncompressed ACI", async () => {
    const r = await sb.rkt(["--insecure-options=image", "fetch", hello]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const digest = createHash("sha512").update(gunzipSync(readFileSync(hello))).digest("hex");
    expect(r.stdout).toBe(`sha512-${digest.slice(0, 32)}\n`);
    const full = await sb.rkt(["--insecure-options=image", "fetch", "--full", hello]);
    expect(full.stdout).toBe(`sha512-${digest.slice(0, 64)}\n`);
  });

  test("image list shows the fetched image", async () => {
    const r = await sb.rkt(["image", "list", "--no-legend", "--fields=id,name"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sha512-[0-9a-f]{12}\s+example\.com\/hello:1\.0\n$/);
  });

  test("run prints the app's output and exits with the app's code", async () => {
    const r = await sb.rkt([...FLY, hello]);
    expect(r.stdout).toBe("hello from hello\n");
    expect(r.code).toBe(3);
  });

  test("--exec replaces the command and args after -- are passed", async () => {
    const r = await sb.rkt([...FLY, hello, "--exec=/bin/echo", "--", "a", "b"]);
    expect(r.stdout).toBe("a b\n");
    expect(r.code).toBe(0);
  });

  test("a relative --exec is found in the app's PATH", async () => {
    const r = await sb.rkt([...FLY, hello, "--exec=echo", "--", "found"]);
    expect(r.stdout).toBe("found\n");
    expect(r.code).toBe(0);
  });

  test("environment: image env, --set-env, --environment, rkt's defaults", async () => {
    const r = await sb.rkt([
      ...FLY,
      "--set-env=K=V",
      "--set-env=FROM_IMAGE=overridden",
      hello,
      "--environment=PER_APP=yes",
      "--exec=/bin/sh",
      "--",
      "-c",
      "env | sort",
    ]);
    expect(r.code).toBe(0);
    const env = r.stdout.split("\n");
    expect(env).toContain("K=V");
    expect(env).toContain("FROM_IMAGE=overridden");
    expect(env).toContain("PER_APP=yes");
    expect(env).toContain("AC_APP_NAME=hello");
    expect(env).toContain("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    expect(env).toContain("HOME=/root");
    expect(env).not.toContain(expect.stringMatching(/^RKT_LOCK_FD=/));
  });

  test("host volumes: read-write and read-only", async () => {
    const host = sb.path("host-vol");
    mkdirSync(host, { recursive: true });
    writeFileSync(`${host}/file`, "<<<host>>>");
    const rw = await sb.rkt([
      ...FLY,
      `--volume=data,kind=host,source=${host}`,
      hello,
      "--mount=volume=data,target=/data",
      "--exec=/bin/sh",
      "--",
      "-c",
      "cat /data/file && echo written > /data/new",
    ]);
    expect(rw.stdout).toBe("<<<host>>>");
    expect(rw.code).toBe(0);
    expect(readFileSync(`${host}/new`, "utf8")).toBe("written\n");

    const ro = await sb.rkt([
      ...FLY,
      `--volume=data,kind=host,source=${host},readOnly=true`,
      hello,
      "--mount=volume=data,target=/data",
      "--exec=/bin/sh",
      "--",
      "-c",
      "cat /data/file; echo x > /data/other",
    ]);
    expect(ro.stdout).toBe("<<<host>>>");
    expect(ro.stderr).toMatch(/Read-only file system/);
    expect(ro.code).not.toBe(0);
    expect(existsSync(`${host}/other`)).toBe(false);
  });

  test("user and group by name from the image's /etc/passwd and /etc/group", async () => {
    const r = await sb.rkt([...FLY, hello, "--user=user1", "--group=group1", "--exec=/bin/id"]);
    expect(r.stdout.trim()).toMatch(/^uid=1000\(user1\) gid=100\(group1\)/);
    expect(r.code).toBe(0);
  });

  test("an unknown user is a clear error", async () => {
    const r = await sb.rkt([...FLY, hello, "--user=nobody-here", "--exec=/bin/id"]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/"nobody-here" user not found in the image's \/etc\/passwd/);
  });

  test("a program whose interpreter the image lacks: the diagnostic names the interpreter, as rkt's", async () => {
    // The host's dynamically linked ls, in a busybox image without the host's loader.
    const r = await sb.rkt([...FLY, "--volume=host-bin,kind=host,source=/bin/", "--mount=volume=host-bin,target=/var/host-bin", hello, "--exec=/var/host-bin/ls"]);
    expect(r.code).toBe(203);
    expect(r.stderr).toMatch(/^Error: Unable to open "\/lib[^"]*\/ld-linux[^"]*\.so\.\d": No such file or directory$/m);
    mkdirSync(sb.path("scripts"), { recursive: true });
    writeFileSync(sb.path("scripts", "s"), "#!/usr/bin/no-such-shell -e\necho never\n", { mode: 0o755 });
    const script = await sb.rkt([...FLY, `--volume=s,kind=host,source=${sb.path("scripts")}`, "--mount=volume=s,target=/s", hello, "--exec=/s/s"]);
    expect(script.stderr).toContain('Error: Unable to open "/usr/bin/no-such-shell": No such file or directory');
    const missing = await sb.rkt([...FLY, hello, "--exec=/not-there"]);
    expect(missing.stderr).toContain('Error: Unable to open "/not-there": No such file or directory');
  });

  test("a user or group path that is not in the image says so in rkt's words", async () => {
    const u = await sb.rkt([...FLY, hello, "--user=/etc/nofile", "--exec=/bin/id"]);
    expect(u.code).toBe(254);
    expect(u.stderr).toMatch(/user path "\/etc\/nofile" in the image: no such file or directory/);
    const g = await sb.rkt([...FLY, hello, "--group=/etc/nofile", "--exec=/bin/id"]);
    expect(g.stderr).toMatch(/group path "\/etc\/nofile" in the image: no such file or directory/);
  });

  test("working directory", async () => {
    const r = await sb.rkt([...FLY, hello, "--working-dir=/work/dir", "--exec=/bin/pwd"]);
    expect(r.stdout).toBe("/work/dir\n");
    expect(r.code).toBe(0);
  });

  test("the exit status is recorded in the pod directory", async () => {
    const r = await sb.rkt([...FLY, "--uuid-file-save", sb.path("uuid"), hello]);
    expect(r.code).toBe(3);
    const uuid = readFileSync(sb.path("uuid"), "utf8");
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
    const status = readFileSync(`${sb.dataDir}/pods/run/${uuid}/stage1/rootfs/rkt/status/hello`, "utf8");
    expect(status.trim()).toBe("3");
  });

  test("an app killed by a signal exits 128+N", async () => {
    const r = await sb.rkt([...FLY, hello, "--exec=/bin/sh", "--", "-c", "kill -9 $$"]);
    expect(r.code).toBe(137);
  });

  test("an executable that does not exist", async () => {
    const r = await sb.rkt([...FLY, hello, "--exec=/foo-not-there"]);
    expect(r.stderr).toMatch(/Unable to open "\/foo-not-there": No such file or directory/);
    expect(r.code).toBe(203);
  });

  test("the app's writes do not reach the image", async () => {
    const w = await sb.rkt([...FLY, hello, "--exec=/bin/sh", "--", "-c", "echo changed > /data/in-image"]);
    expect(w.code).toBe(0);
    const r = await sb.rkt([...FLY, hello, "--exec=/bin/cat", "--", "/data/in-image"]);
    expect(r.stdout).toBe("<<<image>>>");
  });

  test("an unsigned image without --insecure-options=image is refused", async () => {
    const r = await sb.rkt(["run", "--stage1-name=fly", hello]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/--insecure-options=image/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test("an unknown stage1 is a clear error", async () => {
    const r = await sb.rkt([...FLY.slice(0, 2), "--stage1-name=nope", hello]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/no stage1 named "nope" is installed/);
  });

  test("fly refuses pods of several apps", async () => {
    const r = await sb.rkt([...FLY, hello, hello, "--name=second"]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/stage1 fly does not support pods of 2 apps/);
    expect(readdirSync(`${sb.dataDir}/pods/prepare`)).toEqual([]);
  });
});

describe("the rkt command line", () => {
  const sb = new Sandbox("cli");
  afterAll(() => sb.cleanup());

  test("rkt with no command prints usage and exits 2", async () => {
    const r = await sb.rkt([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing command/);
  });

  test("rkt version", async () => {
    const r = await sb.rkt(["version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^rkt Version: 1\.30\.0/m);
    expect(r.stdout).toMatch(/^appc Version: 0\.8\.11$/m);
    // rkt runs on its own runtime (scripts/install-node.sh), whatever node is in PATH.
    const own = execFileSync(join(REPO, "runtime/node/bin/node"), ["--version"], { encoding: "utf8" }).trim();
    expect(own).toMatch(/^v2[4-9]\./);
    expect(r.stdout).toMatch(new RegExp(`^Node\\.js: ${own.replaceAll(".", "\\.")}$`, "m"));
    const path = await sb.rkt(["version"], { env: { PATH: "/nonexistent" } });
    expect(path.stdout).toContain(`Node.js: ${own}\n`);
  });

  test("command prefixes work as in rkt", async () => {
    const r = await sb.rkt(["ver"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rkt Version/);
  });

  test("an unknown flag is a usage error with exit 254", async () => {
    const r = await sb.rkt(["version", "--bogus"]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/^Error: unknown flag: --bogus/);
  });
});
