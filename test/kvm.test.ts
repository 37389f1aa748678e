// The kvm stage1, end to end: real images, the real launcher, QEMU (TCG where /dev/kvm is not
// usable), the guest kernel scripts/setup.sh fetched, the pod init inside the VM. A VM boot
// costs 2-3 s under TCG, so each test boots one VM and checks several things in it.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { release } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { cleanupPods, sh } from "./helpers/nspawn.js";
import { background, Sandbox, waitUntil } from "./helpers/rkt.js";

// --net=host (QEMU's user-mode network) where the network does not matter: it costs nothing
// to set up. One test runs a pod on the default CNI network.
const RUN = ["--insecure-options=image", "run", "--stage1-name=kvm", "--net=host"];
const KERNEL_CACHE = "/var/cache/rkt/kvm/kernel";

/** Whether pid is a running process (a zombie counts as gone). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

describe.skipIf(!existsSync(KERNEL_CACHE))("rkt run --stage1-name=kvm", () => {
  const sb = new Sandbox("kvm");
  let img: string;
  const qemuPids: number[] = [];

  /** The QEMU pid a pod recorded (kept, to check it is gone at the end). */
  function qemuPid(uuid: string): number {
    const pid = Number(readFileSync(join(sb.dataDir, "pods", "run", uuid, "kvm", "qemu.pid"), "utf8"));
    qemuPids.push(pid);
    return pid;
  }

  beforeAll(() => {
    img = buildAci(sb.path("bb.aci"), {
      name: "example.com/bb",
      version: "1.0",
      app: { exec: ["/bin/sh", "-c", "echo hello from $AC_APP_NAME"], user: "0", group: "0" },
      passwd: ["user1:x:1000:1000:user one:/home/user1:/bin/sh"],
      group: ["user1:x:1000:"],
      files: { "data/in-image": "<<<image>>>" },
    });
  });
  afterAll(async () => {
    await cleanupPods(sb);
    for (const pid of qemuPids) expect(running(pid), `QEMU pid ${pid} outlived its pod`).toBe(false);
    sb.cleanup();
  });

  test("output unchanged on stdout and stderr, the guest's own kernel, --memory, the app's exit code", async () => {
    const r = await sb.rkt([
      ...RUN,
      `--uuid-file-save=${sb.path("uuid-out")}`,
      img,
      "--memory=200M",
      "--user=1000",
      ...sh("printf 'out 1\\nout 2\\n'; printf 'err\\n' >&2; uname -r; id -u; grep MemTotal /proc/meminfo; printf 'no newline'; exit 3"),
    ]);
    expect(r.stderr).not.toMatch(/\r/);
    expect(r.stderr).toMatch(/(^|\n)err\n/);
    expect(r.code).toBe(3);
    const [o1, o2, kernel, uid, mem, last] = r.stdout.split("\n");
    expect([o1, o2, uid, last]).toEqual(["out 1", "out 2", "1000", "no newline"]);
    // Debian's guest kernel, not the host's.
    expect(kernel).toMatch(/^\d+\.\d+\.\d+-\d+-amd64$/);
    expect(kernel).not.toBe(release());
    // 200 MiB for the app plus the VM's overhead, less what the kernel keeps for itself.
    const kib = Number(mem!.match(/^MemTotal:\s+(\d+) kB$/)?.[1]);
    expect(kib).toBeGreaterThan(200 * 1024);
    expect(kib).toBeLessThan((200 + 64) * 1024);
    const uuid = readFileSync(sb.path("uuid-out"), "utf8");
    const status = await sb.rkt(["status", uuid]);
    expect(status.stdout).toMatch(/^app-bb=3$/m);
    expect(status.stdout).toMatch(/^hypervisor=qemu-(tcg|kvm)$/m);
    expect(running(qemuPid(uuid))).toBe(false);
  });

  test("two apps: the first failing app's code, both exit codes recorded; --net=none; --interactive refused", async () => {
    const r = await sb.rkt([
      ...RUN.filter((a) => a !== "--net=host"),
      "--net=none",
      `--uuid-file-save=${sb.path("uuid-two")}`,
      img,
      "--name=failing",
      ...sh("sleep 1; exit 5"),
      img,
      "--name=waiting",
      ...sh("trap 'exit 0' TERM; ls /sys/class/net; sleep 30 & wait"),
    ]);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe("lo\n");
    const uuid = readFileSync(sb.path("uuid-two"), "utf8");
    const status = await sb.rkt(["status", uuid]);
    expect(status.stdout).toMatch(/^app-failing=5$/m);
    expect(status.stdout).toMatch(/^app-waiting=0$/m);
    qemuPid(uuid);
    const two = await sb.rkt([...RUN, "--interactive", img, img, "--name=other"]);
    expect(two.code).toBe(254);
    expect(two.stderr).toMatch(/interactive option only supports/);
  });

  test("host volumes, read-write and read-only, files keep their owner; --interactive stdin; outbound network", async () => {
    const rw = sb.path("vol-rw");
    const ro = sb.path("vol-ro");
    mkdirSync(rw, { recursive: true });
    mkdirSync(ro, { recursive: true });
    chmodSync(rw, 0o777);
    chmodSync(ro, 0o777); // only the read-only mount stops a write
    // A server on the host's loopback: the guest reaches it through QEMU's user-mode network.
    const server: Server = createServer((_req, res) => res.end("<<<from the host>>>"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    writeFileSync(join(rw, "file"), "<<<rw>>>");
    writeFileSync(join(ro, "file"), "<<<ro>>>");
    const r = await sb.rkt(
      [
        ...RUN,
        "--interactive",
        `--volume=rw,kind=host,source=${rw}`,
        `--volume=ro,kind=host,source=${ro},readOnly=true`,
        img,
        "--mount=volume=rw,target=/rw",
        "--mount=volume=ro,target=/ro",
        "--user=1000",
        ...sh(
          "read line; echo got: $line; cat /rw/file /ro/file; echo; echo written > /rw/new; echo x > /ro/other; echo rc=$?; " +
            `ls /sys/class/net | tr '\\n' ' '; echo; wget -q -O - http://10.0.2.2:${port}/`,
        ),
      ],
      { input: "from stdin\n" },
    );
    server.close();
    expect(r.stdout).toBe("got: from stdin\n<<<rw>>><<<ro>>>\nrc=1\neth0 lo \n<<<from the host>>>");
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(r.code).toBe(0);
    expect(readFileSync(join(rw, "new"), "utf8")).toBe("written\n");
    expect(statSync(join(rw, "new")).uid).toBe(1000);
    expect(existsSync(join(ro, "other"))).toBe(false);
  });

  test("a running pod: status, enter (output, stdin, exit code), stop in order, gc; no QEMU left", async () => {
    const uuidFile = sb.path("uuid-long");
    const pod = background(sb, [
      ...RUN,
      `--uuid-file-save=${uuidFile}`,
      "--hostname=kvm-pod",
      img,
      ...sh("trap 'echo stopping; exit 7' TERM; echo started; while true; do sleep 0.2; done"),
    ]);
    await waitUntil(() => existsSync(uuidFile) && readFileSync(uuidFile, "utf8").length > 0, 60_000, "the pod's uuid");
    const uuid = readFileSync(uuidFile, "utf8");
    const ready = await sb.rkt(["status", "--wait-ready=60s", uuid]);
    expect(ready.stdout).toMatch(/^state=running$/m);
    const pid = Number(ready.stdout.match(/^pid=(\d+)$/m)?.[1]);
    expect(pid).toBe(pod.pid());
    const qemu = qemuPid(uuid);
    expect(running(qemu)).toBe(true);

    const enter = await sb.rkt(["enter", uuid, "/bin/sh", "-c", "hostname; id -u; pwd; cat /data/in-image; echo; cat; echo err >&2; exit 4"], {
      input: "through stdin\n",
    });
    expect(enter.stdout).toBe("kvm-pod\n0\n/\n<<<image>>>\nthrough stdin\n");
    expect(enter.stderr).toBe("err\n");
    expect(enter.code).toBe(4);

    const stop = await sb.rkt(["stop", uuid]);
    expect(stop.code).toBe(0);
    const done = await pod.done;
    expect(done.stdout).toBe("started\nstopping\n");
    expect(done.code).toBe(0); // apps ended by a stop are not failures
    await waitUntil(() => !running(qemu), 10_000, "QEMU to exit");
    const status = await sb.rkt(["status", uuid]);
    expect(status.stdout).toMatch(/^state=exited$/m);
    expect(status.stdout).toMatch(/^app-bb=7$/m);

    const gc = await sb.rkt(["gc", "--grace-period=0s"]);
    expect(gc.code).toBe(0);
    expect(existsSync(join(sb.dataDir, "pods", "run", uuid))).toBe(false);
    expect(existsSync(join(sb.dataDir, "pods", "exited-garbage", uuid))).toBe(false);
  });

  test("the default CNI network: the guest holds the pod's address, --port reaches it; gc removes the namespace", async () => {
    const httpd = buildAci(sb.path("httpd.aci"), {
      name: "example.com/httpd",
      app: { exec: ["/bin/httpd", "-f", "-p", "80", "-h", "/www"], user: "0", group: "0", ports: [{ name: "http", protocol: "tcp", port: 80 }] },
      files: { "www/index.html": "<<<served by the VM>>>" },
    });
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, "127.0.0.1", r));
    const port = (free.address() as AddressInfo).port;
    await new Promise((r) => free.close(r));
    const uuidFile = sb.path("uuid-cni");
    const run = RUN.filter((a) => a !== "--net=host");
    const pod = background(sb, [...run, `--uuid-file-save=${uuidFile}`, `--port=http:${port}`, httpd]);
    await waitUntil(() => existsSync(uuidFile) && readFileSync(uuidFile, "utf8").length > 0, 60_000, "the pod's uuid");
    const uuid = readFileSync(uuidFile, "utf8");
    const ready = await sb.rkt(["status", "--wait-ready=60s", uuid]);
    const ip = ready.stdout.match(/^networks=default:ip4=(\d+\.\d+\.\d+\.\d+)$/m)?.[1];
    expect(ip, ready.stdout).toBeDefined();
    qemuPid(uuid);

    const inside = await sb.rkt(["enter", uuid, "/bin/sh", "-c", "ip -4 -o addr show eth0; ping -c1 -W5 $(ip route | sed -n 's/^default via \\([0-9.]*\\).*/\\1/p') | grep -c '1 packets received'"]);
    expect(inside.stdout).toMatch(new RegExp(`inet ${ip!.replace(/\./g, "\\.")}/`));
    expect(inside.stdout.trim().split("\n").at(-1)).toBe("1");
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe("<<<served by the VM>>>");

    expect((await sb.rkt(["stop", uuid])).code).toBe(0);
    await pod.done;
    expect((await sb.rkt(["gc", "--grace-period=0s"])).code).toBe(0);
    expect(existsSync(`/var/run/netns/rkt-${uuid}`)).toBe(false);
  });

  test("stop --force kills QEMU at once", async () => {
    const uuidFile = sb.path("uuid-force");
    const pod = background(sb, [...RUN, `--uuid-file-save=${uuidFile}`, img, ...sh("trap '' TERM; echo up; while true; do sleep 1; done")]);
    await waitUntil(() => existsSync(uuidFile) && readFileSync(uuidFile, "utf8").length > 0, 60_000, "the pod's uuid");
    const uuid = readFileSync(uuidFile, "utf8");
    await sb.rkt(["status", "--wait-ready=60s", uuid]);
    const qemu = qemuPid(uuid);
    const stop = await sb.rkt(["stop", "--force", uuid]);
    expect(stop.code).toBe(0);
    const done = await pod.done;
    expect(done.code).toBe(137);
    expect(running(qemu)).toBe(false);
  });

  test("a VM that does not boot in time is killed, with one clear line", async () => {
    const r = await sb.rkt([...RUN, `--uuid-file-save=${sb.path("uuid-slow")}`, img], { env: { RKT_KVM_BOOT_TIMEOUT: "0.3" } });
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/^stage1: the VM did not boot within 0\.3 s; its console is in \S+console\.log/m);
    expect(running(qemuPid(readFileSync(sb.path("uuid-slow"), "utf8")))).toBe(false);
  });
});
