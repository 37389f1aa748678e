// The nspawn stage1 (the default flavor), end to end: real images, the real launcher, the
// isolation helper, systemd-nspawn and the pod's init. Everything is checked from inside
// the container, as an app sees it.
import { existsSync, mkdirSync, readFileSync, readlinkSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { Sandbox } from "./helpers/rkt.js";
import { cleanupPods, sh } from "./helpers/nspawn.js";

const RUN = ["--insecure-options=image", "run"];
// rkt's default capability bounding set: the 14 capabilities of rkt's stage1.
const RKT_DEFAULT_CAPBND = "00000000a80425fb";

describe("rkt run (nspawn, the default stage1)", () => {
  const sb = new Sandbox("nspawn");
  let img: string;

  beforeAll(() => {
    img = buildAci(sb.path("bb.aci"), {
      name: "example.com/bb",
      version: "1.0",
      app: { exec: ["/bin/sh", "-c", "echo hello from $AC_APP_NAME"], user: "0", group: "0", environment: [{ name: "FROM_IMAGE", value: "image" }] },
      passwd: ["user1:x:1000:1000:user one:/home/user1:/bin/sh"],
      group: ["group1:x:100:", "user1:x:1000:", "extra:x:400:"],
      files: { "data/in-image": "<<<image>>>", "work/dir/here": "x" },
    });
  });
  afterAll(async () => {
    await cleanupPods(sb);
    sb.cleanup();
  });

  test("is the default stage1; the app's output reaches stdout and stderr unchanged", async () => {
    const r = await sb.rkt([...RUN, img, ...sh("printf 'out 1\\nout 2\\n'; printf 'err\\n' >&2; printf 'no newline'")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("out 1\nout 2\nno newline");
    expect(r.stderr).toMatch(/(^|\n)err\n/);
    expect(r.stderr).not.toMatch(/\r|Container|nspawn/);
  });

  test("PID namespace: the pod's init is PID 1, the app sees only the pod's processes", async () => {
    const r = await sb.rkt([...RUN, img, ...sh("cat /proc/1/cmdline | tr '\\0' ' '; echo; echo pid=$$; ls /proc | grep -c '^[0-9]'")]);
    expect(r.code).toBe(0);
    const [cmdline, pid, count] = r.stdout.split("\n");
    expect(cmdline).toBe("/init init /rkt/pod.spec ");
    expect(Number(pid!.slice(4))).toBeLessThan(10);
    expect(Number(count)).toBeLessThan(6);
  });

  test("hostname: rkt-<uuid> by default, --hostname, /etc/hostname and /etc/hosts", async () => {
    const r = await sb.rkt([...RUN, `--uuid-file-save=${sb.path("uuid-host")}`, img, ...sh("hostname; cat /etc/hostname; grep ^127.0.0.1 /etc/hosts")]);
    expect(r.code).toBe(0);
    const uuid = readFileSync(sb.path("uuid-host"), "utf8");
    expect(r.stdout).toBe(
      `rkt-${uuid}\nrkt-${uuid}\n127.0.0.1 localhost localhost.domain localhost4 localhost4.localdomain4 rkt-${uuid}\n`,
    );
    const h = await sb.rkt([...RUN, "--hostname=pod.example", img, ...sh("hostname")]);
    expect(h.stdout).toBe("pod.example\n");
    const bad = await sb.rkt([...RUN, "--hostname=not_valid!", img]);
    expect(bad.code).toBe(254);
    expect(bad.stderr).toMatch(/not a valid hostname/);
  });

  test("capabilities: rkt's default bounding set, --caps-retain, --caps-remove, insecure", async () => {
    const cap = (flags: string[], appFlags: string[] = []) =>
      sb.rkt([...flags, img, ...appFlags, ...sh("grep -E '^Cap(Bnd|Eff|Inh)' /proc/self/status | tr -d '\\t'")]);
    const d = await cap(RUN);
    expect(d.stdout).toBe(`CapInh:0000000000000000\nCapEff:${RKT_DEFAULT_CAPBND}\nCapBnd:${RKT_DEFAULT_CAPBND}\n`);
    const retain = await cap(RUN, ["--caps-retain=CAP_NET_ADMIN,CAP_SYS_TIME"]);
    expect(retain.stdout).toMatch(/CapBnd:0000000002001000/);
    const remove = await cap(RUN, ["--caps-remove=CAP_MKNOD,CAP_NET_RAW"]);
    expect(remove.stdout).toMatch(/CapBnd:00000000a00405fb/);
    const both = await cap(RUN, ["--caps-retain=CAP_CHOWN", "--caps-remove=CAP_KILL"]);
    expect(both.code).toBe(254);
    expect(both.stderr).toMatch(/cannot use both --caps-retain and --caps-remove/);
    // The image's capability isolator, whichever kind, gives way to the flag.
    const limited = buildAci(sb.path("caps.aci"), {
      name: "example.com/caps",
      app: { exec: ["/bin/true"], user: "0", group: "0", isolators: [{ name: "os/linux/capabilities-remove-set", value: { set: ["CAP_KILL"] } }] },
    });
    const image = await sb.rkt([...RUN, limited, ...sh("grep CapBnd /proc/self/status | tr -d '\\t'")]);
    expect(image.stdout).toBe("CapBnd:00000000a80425db\n");
    const override = await sb.rkt([...RUN, limited, "--caps-retain=CAP_CHOWN", ...sh("grep CapBnd /proc/self/status | tr -d '\\t'")]);
    expect(override.stdout).toBe("CapBnd:0000000000000001\n");
    // --insecure-options=capabilities: every capability of rkt's own bounding set.
    const all = await cap(["--insecure-options=image,capabilities", "run"]);
    const own = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))![1];
    expect(all.stdout).toMatch(new RegExp(`CapBnd:${own}\n`));
  });

  test("seccomp: the default whitelist blocks mount(2); --seccomp sets; insecure", async () => {
    const blocked = await sb.rkt([...RUN, img, ...sh("mkdir -p /mnt/t; mount -t tmpfs none /mnt/t; echo status=$?")]);
    expect(blocked.stdout).toBe("status=159\n"); // killed by SIGSYS
    expect(blocked.code).toBe(0);
    const errno = await sb.rkt([...RUN, img, "--seccomp=mode=remove,errno=ENOTSUP,mkdir,mkdirat", ...sh("mkdir /x 2>&1; echo status=$?")]);
    expect(errno.stdout).toMatch(/not supported\nstatus=1\n$/);
    const retain = await sb.rkt([...RUN, img, "--seccomp=mode=retain,errno=EPERM,@rkt/default-whitelist", ...sh("mount -t tmpfs none /tmp 2>&1; echo status=$?")]);
    expect(retain.stdout).toBe("mount: permission denied (are you root?)\nstatus=1\n"); // EPERM, not SIGSYS
    const unknown = await sb.rkt([...RUN, img, "--seccomp=mode=retain,@nobody/set"]);
    expect(unknown.code).toBe(254);
    const insecure = await sb.rkt(["--insecure-options=image,seccomp", "run", img, ...sh("mount -t tmpfs none /tmp 2>&1; echo status=$?")]);
    expect(insecure.stdout).toBe("mount: permission denied (are you root?)\nstatus=1\n"); // the kernel said no: no CAP_SYS_ADMIN
  });

  test("no_new_privs: the isolator, and forced for a non-root app with seccomp", async () => {
    const root = await sb.rkt([...RUN, img, ...sh("grep NoNewPrivs /proc/self/status")]);
    expect(root.stdout).toBe("NoNewPrivs:\t0\n");
    const user = await sb.rkt([...RUN, img, "--user=1000", ...sh("grep NoNewPrivs /proc/self/status")]);
    expect(user.stdout).toBe("NoNewPrivs:\t1\n");
  });

  test("--memory: the app is OOM-killed in its own cgroup, its limit is in place", async () => {
    const r = await sb.rkt([
      ...RUN,
      img,
      "--memory=16M",
      ...sh("cat /proc/self/cgroup | grep memory; dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo dd=$?"),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/memory:\/apps\/bb\n/);
    expect(r.stdout).toMatch(/dd=137\n$/);
    const low = await sb.rkt([...RUN, img, "--memory=100"]);
    expect(low.code).toBe(254);
    expect(low.stderr).toMatch(/too low/);
  });

  test("--cpu and --cpu-shares land in the app's cpu cgroup; --oom-score-adj", async () => {
    const r = await sb.rkt([...RUN, `--uuid-file-save=${sb.path("uuid-cpu")}`, img, "--cpu=250m", "--cpu-shares=512", "--oom-score-adj=500", ...sh("cat /proc/self/oom_score_adj; grep -E ':cpu:' /proc/self/cgroup")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("500\n1:cpu:/apps/bb\n");
  });

  test("user and groups: names from the image, --supplementary-gids", async () => {
    const r = await sb.rkt([...RUN, img, "--user=user1", "--group=group1", "--supplementary-gids=400,500", ...sh("grep -E '^(Uid|Gid|Groups):' /proc/self/status | tr -s '\\t ' ' '")]);
    expect(r.stdout).toBe("Uid: 1000 1000 1000 1000\nGid: 100 100 100 100\nGroups: 400 500 \n");
    const unknown = await sb.rkt([...RUN, img, "--user=nobody-here"]);
    expect(unknown.code).toBe(254);
    expect(unknown.stderr).toMatch(/"nobody-here" user not found in the image's \/etc\/passwd/);
  });

  test("environment and working directory", async () => {
    const r = await sb.rkt([...RUN, "--set-env=K=V", img, "--environment=PER_APP=yes", "--working-dir=/work/dir", ...sh("pwd; env | sort")]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("/work/dir");
    for (const v of ["K=V", "PER_APP=yes", "FROM_IMAGE=image", "AC_APP_NAME=bb", "USER=root", "LOGNAME=root", "HOME=/root", "SHELL=/bin/sh"]) expect(lines).toContain(v);
    expect(lines).toContain("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    expect(r.stdout).not.toMatch(/RKT_LOCK_FD|container=/);
  });

  test("read-only root filesystem, while volumes stay writable", async () => {
    mkdirSync(sb.path("rw-vol"), { recursive: true });
    const r = await sb.rkt([
      ...RUN,
      `--volume=data,kind=host,source=${sb.path("rw-vol")}`,
      img,
      "--readonly-rootfs=true",
      "--mount=volume=data,target=/data",
      ...sh("touch /x 2>&1; echo w > /data/file && echo volume-ok; touch /tmp/y 2>&1 || true"),
    ]);
    expect(r.stdout).toMatch(/touch: \/x: Read-only file system\nvolume-ok\n/);
    expect(readFileSync(sb.path("rw-vol/file"), "utf8")).toBe("w\n");
  });

  test("rkt's masked and read-only paths and device policy; --insecure-options=paths lifts them", async () => {
    const r = await sb.rkt([...RUN, img, ...sh("stat -c '%A %n' /sys/firmware /sys/fs /proc/kallsyms; touch /sys/class/x 2>&1; ls /sys/class >/dev/null && echo class-visible")]);
    expect(r.stdout).toBe("d--------- /sys/firmware\nd--------- /sys/fs\n---------- /proc/kallsyms\ntouch: /sys/class/x: Read-only file system\nclass-visible\n");
    // The device policy: the pod's usual nodes, no disk (rkt's DevicePolicy=closed).
    const dev = await sb.rkt([...RUN, img, ...sh("mknod /tmp/null c 1 3 && echo null-ok; mknod /tmp/disk b 8 0 2>&1; echo x > /dev/null && echo write-ok")]);
    expect(dev.stdout).toBe("null-ok\nmknod: /tmp/disk: Operation not permitted\nwrite-ok\n");
    const open = await sb.rkt(["--insecure-options=image,paths", "run", img, ...sh("stat -c '%A %n' /sys/fs /proc/kallsyms; mknod /tmp/disk b 8 0 && echo disk-node")]);
    expect(open.stdout).toBe("drwxr-xr-x /sys/fs\n-r--r--r-- /proc/kallsyms\ndisk-node\n");
  });

  test("two apps share an empty volume; implicit empty volumes for unmatched mount points", async () => {
    const writer = buildAci(sb.path("writer.aci"), {
      name: "example.com/writer",
      app: { exec: ["/bin/sh", "-c", "echo shared-data > /shared/file; ls -ld /shared | cut -c1-10"], user: "0", group: "0", mountPoints: [{ name: "shared", path: "/shared" }, { name: "own", path: "/own" }] },
    });
    const reader = buildAci(sb.path("reader.aci"), {
      name: "example.com/reader",
      app: { exec: ["/bin/sh", "-c", "for i in $(seq 1200); do [ -f /shared/file ] && break; sleep 0.05; done; cat /shared/file; ls /own 2>&1 | head -1"], user: "0", group: "0", mountPoints: [{ name: "shared", path: "/shared" }] },
    });
    const r = await sb.rkt([...RUN, "--volume=shared,kind=empty,mode=0700", writer, reader]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").sort()).toEqual(["", "drwx------", "ls: /own: No such file or directory", "shared-data"]);
  });

  test("a pod exits with the first failing app's code; the others are stopped and recorded as rkt did", async () => {
    const r = await sb.rkt([
      ...RUN,
      `--uuid-file-save=${sb.path("uuid-exit")}`,
      img,
      "--name=failing",
      ...sh("sleep 0.2; exit 5"),
      img,
      "--name=waiting",
      ...sh("trap 'exit 0' TERM; sleep 30 & wait"),
      img,
      "--name=killed",
      // No trap: the stop's SIGTERM kills it, which rkt recorded as a clean stop (0).
      "--exec=/bin/sleep",
      "--",
      "30",
      "---",
    ], { env: { RKT_NSPAWN_STOP_TIMEOUT: "5" } });
    expect(r.code).toBe(5);
    const uuid = readFileSync(sb.path("uuid-exit"), "utf8");
    const status = await sb.rkt(["status", uuid]);
    expect(status.stdout).toMatch(/^app-failing=5$/m);
    expect(status.stdout).toMatch(/^app-waiting=0$/m);
    expect(status.stdout).toMatch(/^app-killed=0$/m);
    const ok = await sb.rkt([...RUN, img, "--name=a", ...sh("exit 0"), img, "--name=b", ...sh("sleep 0.1")]);
    expect(ok.code).toBe(0);
  });

  test("exec failures, signals and event handlers", async () => {
    const missing = await sb.rkt([...RUN, img, "--exec=/foo-not-there"]);
    expect(missing.code).toBe(203);
    expect(missing.stderr).toMatch(/Unable to open "\/foo-not-there": No such file or directory/);
    const killed = await sb.rkt([...RUN, img, ...sh("kill -9 $$")]);
    expect(killed.code).toBe(137);
    const handlers = buildAci(sb.path("handlers.aci"), {
      name: "example.com/handlers",
      app: {
        exec: ["/bin/sh", "-c", "id -u; cat /tmp/pre; echo app > /tmp/app"],
        user: "1000",
        group: "1000",
        eventHandlers: [
          { name: "pre-start", exec: ["/bin/sh", "-c", "id -u > /tmp/pre; chmod 644 /tmp/pre"] },
          { name: "post-stop", exec: ["/bin/sh", "-c", "echo post-stop saw $(cat /tmp/app)"] },
        ],
      },
      passwd: ["user1:x:1000:1000::/:/bin/sh"],
    });
    const h = await sb.rkt([...RUN, handlers]);
    expect(h.code).toBe(0);
    expect(h.stdout).toBe("1000\n0\npost-stop saw app\n");
  });

  test("--interactive passes stdin through (a pipe here)", async () => {
    const r = await sb.rkt([...RUN, "--interactive", img, ...sh("read line; echo got: $line; cat")], { input: "first\nsecond\n" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("got: first\nsecond\n");
    const quiet = await sb.rkt([...RUN, img, ...sh("cat; echo eof")], { input: "not for the app\n" });
    expect(quiet.stdout).toBe("eof\n");
    const two = await sb.rkt([...RUN, "--interactive", img, img, "--name=other"]);
    expect(two.code).toBe(254);
  });

  test("--ipc and --net=none; --net=default (more in net*.test.ts)", async () => {
    const own = readlinkSync("/proc/self/ns/ipc");
    const priv = await sb.rkt([...RUN, "--ipc=private", img, ...sh("readlink /proc/self/ns/ipc")]);
    expect(priv.stdout.trim()).not.toBe(own);
    const parent = await sb.rkt([...RUN, "--ipc=parent", img, ...sh("readlink /proc/self/ns/ipc")]);
    expect(parent.stdout.trim()).toBe(own);
    const bad = await sb.rkt([...RUN, "--ipc=other", img]);
    expect(bad.code).toBe(254);
    const none = await sb.rkt([...RUN, "--net=none", img, ...sh("ls /sys/class/net")]);
    expect(none.stdout).toBe("lo\n");
    const cni = await sb.rkt([...RUN, "--net=default", img, ...sh("ls /sys/class/net | tr '\\n' ' '")]);
    expect(cni.code).toBe(0);
    expect(cni.stdout).toBe("eth0 lo ");
  });

  test("--dns, --dns-search and --hosts-entry reach the app's /etc files", async () => {
    const r = await sb.rkt([
      ...RUN,
      "--dns=8.8.8.8",
      "--dns-search=example.com",
      "--dns-opt=ndots:2",
      "--hosts-entry=10.1.2.3=db.local",
      "--hostname=h1",
      img,
      ...sh("cat /etc/resolv.conf; grep -E '^(127|10)' /etc/hosts"),
    ]);
    expect(r.stdout).toBe(
      "# Generated by rkt run\n\nsearch example.com\nnameserver 8.8.8.8\noptions ndots:2\n" +
        "127.0.0.1 localhost localhost.domain localhost4 localhost4.localdomain4 h1\n10.1.2.3 db.local\n",
    );
    const host = await sb.rkt([...RUN, "--dns=host", img, ...sh("cat /etc/resolv.conf")]);
    if (existsSync("/etc/resolv.conf")) expect(host.stdout).toBe(readFileSync("/etc/resolv.conf", "utf8"));
    const bad = await sb.rkt([...RUN, "--dns=host", "--dns-search=x", img]);
    expect(bad.code).toBe(254);
  });

  test("fly refuses the isolators it cannot enforce when they are asked for", async () => {
    const r = await sb.rkt([...RUN, "--stage1-name=fly", img, "--memory=64M"]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/stage1 fly does not support --memory/);
  });
});
