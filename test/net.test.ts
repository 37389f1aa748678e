// Pod networking on the nspawn flavor, end to end, with Debian's CNI plugins: the default
// network (rkt's: ptp, 172.16.28.0/24, masquerade, a default route), pods talking to each
// other, ports forwarded from the host, --net=none and --net=host, and what rkt list and
// rkt status say about it.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { cleanupPods, sh } from "./helpers/nspawn.js";
import { expectNothingLeft, hostAddress, hostInterfaceTo, httpd, httpGet, podIP, RUN, startPod, waitExited } from "./helpers/net.js";
import { Sandbox, waitUntil } from "./helpers/rkt.js";

/** A host port for this file's forwards, away from the usual services. */
const PORT = 20000 + (process.pid % 5000) * 2;

describe("pod networking (nspawn)", () => {
  const sb = new Sandbox("net");
  let img: string;

  beforeAll(() => {
    img = buildAci(sb.path("netbb.aci"), {
      name: "example.com/netbb",
      version: "1.0",
      app: { exec: ["/bin/sh", "-c", "ip -o -4 addr"], user: "0", group: "0", ports: [{ name: "http", protocol: "tcp", port: 80 }] },
    });
  });
  afterAll(async () => {
    await cleanupPods(sb);
    sb.cleanup();
  });

  test("without --net the pod is on the default network: eth0 in 172.16.28.0/24, a default route, lo", async () => {
    for (const flags of [[], ["--net"], ["--net=default"]]) {
      const uuidFile = sb.path(`uuid-default-${flags.length}`);
      const r = await sb.rkt([...RUN, ...flags, `--uuid-file-save=${uuidFile}`, img, ...sh("ip -o -4 addr | awk '{print $2, $4}'; ip route | grep ^default")]);
      expect(r.code).toBe(0);
      const [lo, eth0, route] = r.stdout.trim().split("\n");
      expect(lo).toBe("lo 127.0.0.1/8");
      expect(eth0).toMatch(/^eth0 172\.16\.28\.\d+\/24$/);
      expect(route).toMatch(/^default via 172\.16\.28\.1 dev eth0/);
      const ip = eth0!.split(" ")[1]!.split("/")[0]!;
      // rkt list / rkt status / JSON: the address the pod had.
      const uuid = readFileSync(uuidFile, "utf8");
      const list = await sb.rkt(["list", "--no-legend"]);
      expect(list.stdout.split("\n").find((l) => l.startsWith(uuid.slice(0, 8)))).toMatch(new RegExp(`\\tdefault:ip4=${ip.replace(/\./g, "\\.")}$`));
      const status = await sb.rkt(["status", uuid]);
      expect(status.stdout).toMatch(new RegExp(`^networks=default:ip4=${ip.replace(/\./g, "\\.")}$`, "m"));
      const json = JSON.parse((await sb.rkt(["status", "--format=json", uuid])).stdout);
      expect(json.networks).toEqual([
        { netName: "default", netConf: "net/99-default.conf", pluginPath: "/usr/lib/cni/ptp", ifName: "eth0", ip, args: "", mask: "255.255.255.0" },
      ]);
      const listed = JSON.parse((await sb.rkt(["list", "--format=json"])).stdout).find((p: { name: string }) => p.name === uuid);
      expect(listed.networks).toEqual(json.networks);
    }
  });

  test("two pods on the default network talk: busybox httpd in one, wget in the other", async () => {
    const server = await startPod(sb, [img, ...httpd("hello-from-server")]);
    const ip = await podIP(sb, server.uuid);
    await waitUntil(async () => (await httpGet(`http://${ip}/`)) !== undefined, 10_000, "httpd in the pod");
    const client = await sb.rkt([...RUN, img, ...sh(`wget -q -O - http://${ip}/`)]);
    expect(client.stdout).toBe("hello-from-server\n");
    expect(client.code).toBe(0);
    // The host reaches the pod too (ptp routes the pod's address to its veth).
    expect(await httpGet(`http://${ip}/`)).toBe("hello-from-server\n");
    expect((await sb.rkt(["stop", server.uuid])).code).toBe(0);
    await server.done;
  });

  test("--port forwards a host port from 127.0.0.1 and from the host's addresses; its rules go with the pod", async () => {
    const pod = await startPod(sb, [`--port=http:${PORT}`, img, ...httpd("forwarded")]);
    const ip = await podIP(sb, pod.uuid);
    const veth = hostInterfaceTo(ip);
    await waitUntil(async () => (await httpGet(`http://127.0.0.1:${PORT}/`)) !== undefined, 10_000, "the forwarded port");
    expect(await httpGet(`http://127.0.0.1:${PORT}/`)).toBe("forwarded\n");
    expect(await httpGet(`http://172.16.28.1:${PORT}/`)).toBe("forwarded\n");
    const host = hostAddress();
    if (host) expect(await httpGet(`http://${host}:${PORT}/`)).toBe("forwarded\n");
    const nat = execFileSync("iptables-save", ["-t", "nat"], { encoding: "utf8" });
    expect(nat).toContain(`:RKT-PFWD-DNAT-${pod.uuid.slice(0, 8)}`);
    expect(nat).toContain(`--dport ${PORT} -j DNAT --to-destination ${ip}:80`);

    expect((await sb.rkt(["stop", pod.uuid])).code).toBe(0);
    await pod.done;
    expect(await httpGet(`http://127.0.0.1:${PORT}/`, 1000)).toBeUndefined();
    expect((await sb.rkt(["gc", "--grace-period=0s"])).code).toBe(0);
    expectNothingLeft(pod.uuid, [veth]);
  });

  test("--port=NAME:HOSTIP:HOSTPORT answers on that address only", async () => {
    const pod = await startPod(sb, [`--port=http:172.16.28.1:${PORT + 1}`, img, ...httpd("only-there")]);
    await waitUntil(async () => (await httpGet(`http://172.16.28.1:${PORT + 1}/`)) !== undefined, 10_000, "the forwarded port");
    expect(await httpGet(`http://172.16.28.1:${PORT + 1}/`)).toBe("only-there\n");
    expect(await httpGet(`http://127.0.0.1:${PORT + 1}/`, 1000)).toBeUndefined();
    expect((await sb.rkt(["stop", "--force", pod.uuid])).code).toBe(0);
    await waitExited(sb, pod.uuid);
  });

  test("--port errors: an unknown port name, with --net=host or none, a bad value (254, one line)", async () => {
    const unknown = await sb.rkt([...RUN, "--port=nope:8080", img]);
    expect(unknown.code).toBe(254);
    expect(unknown.stderr).toMatch(/^run: port name "nope" could not be found in any apps$/m);
    for (const net of ["host", "none"]) {
      const r = await sb.rkt([...RUN, `--net=${net}`, `--port=http:${PORT + 2}`, img]);
      expect(r.code).toBe(254);
      expect(r.stderr).toMatch(/--port flag does not work with 'none'\/'host' networking/);
    }
    // rkt prepare takes --port; run-prepared's --net decides whether it can be honoured.
    const prepared = await sb.rkt(["--insecure-options=image", "prepare", "--quiet", `--port=http:${PORT + 3}`, img]);
    expect(prepared.code).toBe(0);
    const uuid = prepared.stdout.trim();
    const onHost = await sb.rkt(["run-prepared", "--net=host", uuid]);
    expect(onHost.code).toBe(254);
    expect(onHost.stderr).toMatch(/--port flag does not work with 'none'\/'host' networking/);
    const ok = await sb.rkt(["run-prepared", uuid]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/eth0\s+inet 172\.16\.28\./);
    const bad = await sb.rkt([...RUN, "--port=http:99999", img]);
    expect(bad.code).toBe(254);
    expect(bad.stderr).toMatch(/"99999" is not a valid port number/);
    // fly has no network of its own: it cannot forward ports.
    const fly = await sb.rkt([...RUN, "--stage1-name=fly", `--port=http:${PORT + 2}`, img]);
    expect(fly.code).toBe(254);
    expect(fly.stderr).toMatch(/stage1 fly does not support --port \(it lacks the "port-forward" capability\)/);
  });

  test("--net=none: a namespace with lo only; --net=host: the host's namespace", async () => {
    const uuidFile = sb.path("uuid-none");
    const none = await sb.rkt([...RUN, "--net=none", `--uuid-file-save=${uuidFile}`, img, ...sh("ip -o link | awk -F': ' '{print $2}'; readlink /proc/self/ns/net")]);
    expect(none.code).toBe(0);
    const [only, nsNone] = none.stdout.trim().split("\n");
    expect(only).toBe("lo");
    const hostNs = execFileSync("readlink", ["/proc/self/ns/net"], { encoding: "utf8" }).trim();
    expect(nsNone).not.toBe(hostNs);
    expect((await sb.rkt(["status", readFileSync(uuidFile, "utf8")])).stdout).toMatch(/^networks=$/m);

    const host = await sb.rkt([...RUN, "--net=host", img, ...sh("readlink /proc/self/ns/net")]);
    expect(host.stdout.trim()).toBe(hostNs);
  });

  test("an unknown network: rkt's message, exit 254, and no pod left running", async () => {
    const uuidFile = sb.path("uuid-unknown");
    const r = await sb.rkt([...RUN, "--net=notavalidnetwork", `--uuid-file-save=${uuidFile}`, img]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/stage1: failed to setup network: networks not found: notavalidnetwork$/m);
    expect(r.stderr.trim().split("\n").filter((l) => !/^image: /.test(l))).toHaveLength(1);
  });

  test("a stage1 that fails after the network was made leaves no network behind", async () => {
    const uuidFile = sb.path("uuid-fail");
    const r = await sb.rkt([...RUN, "--hostname=not_valid!", `--uuid-file-save=${uuidFile}`, img]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/not a valid hostname/);
    expectNothingLeft(readFileSync(uuidFile, "utf8"));
  });

  // The kvm flavor's guest is the pod's endpoint on the same network (its NIC behind a tap in
  // the pod's namespace): it reaches an nspawn pod over ptp's routes, and is reached.
  test.skipIf(!existsSync("/var/cache/rkt/kvm/kernel"))("a kvm pod and an nspawn pod on the default network talk to each other", async () => {
    const server = await startPod(sb, [img, ...httpd("nspawn-side")]);
    const ip = await podIP(sb, server.uuid);
    await waitUntil(async () => (await httpGet(`http://${ip}/`)) !== undefined, 10_000, "httpd in the pod");
    // busybox nc, not wget: the static wget of the test image crashes inside the VM.
    const vm = await sb.rkt([...RUN, "--stage1-name=kvm", img, ...sh(`printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 ${ip} 80 | tail -n 1`)]);
    expect(vm.stdout).toBe("nspawn-side\n");
    expect(vm.code).toBe(0);
    expect((await sb.rkt(["stop", server.uuid])).code).toBe(0);
    await server.done;

    const guest = await startPod(sb, ["--stage1-name=kvm", img, ...httpd("kvm-side")]);
    const guestIP = await podIP(sb, guest.uuid);
    await waitUntil(async () => (await httpGet(`http://${guestIP}/`)) !== undefined, 20_000, "httpd in the VM");
    const client = await sb.rkt([...RUN, img, ...sh(`wget -q -O - http://${guestIP}/`)]);
    expect(client.stdout).toBe("kvm-side\n");
    expect((await sb.rkt(["stop", guest.uuid])).code).toBe(0);
    await guest.done;
  });

  test("/etc/hosts: rkt's defaults with the hostname; --hosts-entry adds to them", async () => {
    const r = await sb.rkt([...RUN, "--hostname=web.test", img, ...sh("grep -E '^(127.0.0.1|::1) ' /etc/hosts")]);
    expect(r.stdout).toBe("127.0.0.1 localhost localhost.domain localhost4 localhost4.localdomain4 web.test\n::1 ip6-localhost ip6-loopback localhost6 localhost6.localdomain6\n");
    const e = await sb.rkt([...RUN, "--hosts-entry=198.51.100.7=db", "--hosts-entry=198.51.100.7=cache", img, ...sh("grep ^198 /etc/hosts")]);
    expect(e.stdout).toBe("198.51.100.7 db cache\n");
  });
});
