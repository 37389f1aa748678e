// User networks from <local-config>/net.d, end to end (nspawn): a ptp network on a subnet of
// its own with a static address through CNI_ARGS, a bridge two pods share, a network that
// replaces default, address conflicts, what CNI plugins get (env and stdin, ADD at run, DEL
// at gc), and DNS: from a CNI result, overridden by --dns, suppressed by --dns=none.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { cleanupPods, sh } from "./helpers/nspawn.js";
import { expectNothingLeft, httpd, httpGet, IPAM_DIR, podIP, RUN, startPod } from "./helpers/net.js";
import { Sandbox, waitUntil } from "./helpers/rkt.js";

// Subnets of this file only (not the host's, not the other test files'); names unique per run.
const TAG = (process.pid % 100000).toString(36);
const PTP = `ptp-${TAG}`;
const BRIDGE = `br-${TAG}`;
const BRIDGE_DEV = `rkt-t${TAG}`.slice(0, 15);
const DNSNET = `dns-${TAG}`;
const PROXIED = `proxied-${TAG}`;
const CAPS = `caps-${TAG}`;
const NETS = [PTP, BRIDGE, DNSNET, PROXIED, CAPS];

/** This file's bridges (rkt-t<tag>, holding 10.213.8.1), of this run or an earlier one. */
function removeTestBridges(): void {
  for (const line of execFileSync("ip", ["-o", "-4", "addr", "show", "to", "10.213.8.1/32"], { encoding: "utf8" }).split("\n")) {
    const dev = /^\d+:\s+(rkt-t\S+)\s/.exec(line)?.[1];
    if (dev) execFileSync("ip", ["link", "del", dev]);
  }
}

describe("user networks (nspawn)", () => {
  const sb = new Sandbox("net-config");
  const netd = join(sb.localConfig, "net.d");
  let img: string;

  const writeNet = (file: string, conf: Record<string, unknown>): void => writeFileSync(join(netd, file), JSON.stringify(conf));

  beforeAll(() => {
    // A bridge of an earlier run of this file that died before its cleanup would take the subnet.
    removeTestBridges();
    mkdirSync(netd, { recursive: true });
    img = buildAci(sb.path("netbb.aci"), {
      name: "example.com/netbb",
      app: { exec: ["/bin/sh", "-c", "ip -o -4 addr"], user: "0", group: "0", ports: [{ name: "http", protocol: "tcp", port: 80 }] },
    });
    writeNet("10-ptp.conf", {
      cniVersion: "0.3.1",
      name: PTP,
      type: "ptp",
      ipMasq: true,
      ipam: { type: "host-local", subnet: "10.213.7.0/24", routes: [{ dst: "0.0.0.0/0" }] },
    });
    writeNet("20-bridge.conf", {
      cniVersion: "1.0.0",
      name: BRIDGE,
      type: "bridge",
      bridge: BRIDGE_DEV,
      isGateway: true,
      ipMasq: true,
      ipam: { type: "host-local", subnet: "10.213.8.0/24", routes: [{ dst: "0.0.0.0/0" }] },
    });
    writeNet("30-dns.conf", {
      cniVersion: "0.4.0",
      name: DNSNET,
      type: "ptp",
      ipam: { type: "host-local", subnet: "10.213.9.0/24" },
      dns: { nameservers: ["203.0.113.53"], search: ["pods.test"], options: ["ndots:2"] },
    });
    // A plugin that records what it is given, then hands over to the real ptp (rkt's cniproxy).
    const proxy = join(netd, `proxy-${TAG}`);
    writeFileSync(
      proxy,
      `#!/bin/sh\nin=$(cat)\nf=${sb.path("cni-calls")}\n{ echo "== $CNI_COMMAND"; env | grep -E '^CNI_' | sort; echo "$in"; } >> "$f"\necho "$in" | exec /usr/lib/cni/ptp\n`,
    );
    chmodSync(proxy, 0o755);
    writeNet("40-proxied.conf", { cniVersion: "1.0.0", name: PROXIED, type: `proxy-${TAG}`, ipam: { type: "host-local", subnet: "10.213.10.0/24" } });
  });
  afterAll(async () => {
    try {
      await cleanupPods(sb);
    } finally {
      sb.cleanup();
      for (const n of NETS) rmSync(join(IPAM_DIR, n), { recursive: true, force: true });
      // The bridge plugin never deletes its bridge (rkt's rkt0 stayed too).
      removeTestBridges();
    }
  });

  test("a ptp network of the user's, a static address through CNI_ARGS, and default-restricted with it", async () => {
    const uuidFile = sb.path("uuid-ptp");
    const r = await sb.rkt([...RUN, `--net=${PTP}:IP=10.213.7.77`, `--uuid-file-save=${uuidFile}`, img, ...sh("ip -o -4 addr | awk '{print $2, $4}'")]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[1]).toBe("eth0 10.213.7.77/24");
    // As in rkt: a pod without the default network gets default-restricted (host <-> pod only).
    expect(lines[2]).toMatch(/^eth1 172\.31\.\d+\.\d+\/16$/);
    const uuid = readFileSync(uuidFile, "utf8");
    const status = await sb.rkt(["status", uuid]);
    expect(status.stdout).toMatch(new RegExp(`^networks=${PTP}:ip4=10\\.213\\.7\\.77, default-restricted:ip4=172\\.31\\.\\d+\\.\\d+$`, "m"));
    const json = JSON.parse((await sb.rkt(["status", "--format=json", uuid])).stdout);
    expect(json.networks[0]).toEqual({ netName: PTP, netConf: "net/10-ptp.conf", pluginPath: "/usr/lib/cni/ptp", ifName: "eth0", ip: "10.213.7.77", args: "IP=10.213.7.77", mask: "255.255.255.0" });
    expect(readFileSync(join(sb.dataDir, "pods", "run", uuid, "net", "10-ptp.conf"), "utf8")).toBe(readFileSync(join(netd, "10-ptp.conf"), "utf8"));
  });

  test("an address already taken: the plugin's refusal, 254, and nothing of the second pod left", async () => {
    const first = await startPod(sb, [`--net=${PTP}:IP=10.213.7.99`, img, ...sh("sleep 30")]);
    const uuidFile = sb.path("uuid-conflict");
    const second = await sb.rkt([...RUN, `--net=${PTP}:IP=10.213.7.99`, `--uuid-file-save=${uuidFile}`, img]);
    expect(second.code).toBe(254);
    // rkt's words (its host-local's), which name the address and the network.
    expect(second.stderr).toMatch(new RegExp(`^run: stage1: failed to setup network: network ${PTP}: requested IP address "10\\.213\\.7\\.99" is not available in network: ${PTP} \\(`, "m"));
    expectNothingLeft(readFileSync(uuidFile, "utf8"));
    // The first pod keeps its address.
    expect(await podIP(sb, first.uuid, PTP)).toBe("10.213.7.99");
    expect(execFileSync("ls", [join(IPAM_DIR, PTP)], { encoding: "utf8" })).toContain("10.213.7.99");
    expect((await sb.rkt(["stop", "--force", first.uuid])).code).toBe(0);
    await first.done;
  });

  test("keys are read as Go reads them, whatever their case (rkt's own tests write Name, Type, Ipam)", async () => {
    writeFileSync(join(netd, "50-caps.conf"), JSON.stringify({ Name: CAPS, Type: "ptp", IpMasq: false, Ipam: { Type: "host-local", subnet: "10.213.11.0/24" } }));
    try {
      const r = await sb.rkt([...RUN, `--net=${CAPS}:IP=10.213.11.5`, img, ...sh("ip -o -4 addr | awk '{print $2, $4}'")]);
      expect(r.stderr).not.toMatch(/no "name"|no "type"/);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split("\n")[1]).toBe("eth0 10.213.11.5/24");
    } finally {
      rmSync(join(netd, "50-caps.conf"));
    }
  });

  test("two pods on a user bridge network talk to each other", async () => {
    const server = await startPod(sb, [`--net=${BRIDGE}:IP=10.213.8.10`, img, ...httpd("over-the-bridge")]);
    await waitUntil(async () => (await httpGet("http://10.213.8.10/")) !== undefined, 10_000, "httpd on the bridge");
    const client = await sb.rkt([...RUN, `--net=${BRIDGE}`, img, ...sh("wget -q -O - http://10.213.8.10/")]);
    expect(client.stdout).toBe("over-the-bridge\n");
    expect((await sb.rkt(["stop", server.uuid])).code).toBe(0);
    await server.done;
  });

  test("--net=all: every user network and default, in file-name order", async () => {
    const r = await sb.rkt([...RUN, "--net=all", img, ...sh("ip -o -4 addr | awk '{print $2, $4}' | tail -n +2")]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n").map((l) => l.replace(/\.\d+\/\d+$/, ""))).toEqual([
      "eth0 10.213.7",
      "eth1 10.213.8",
      "eth2 10.213.9",
      "eth3 10.213.10",
      "eth4 172.16.28",
    ]);
  });

  test("what CNI plugins get: the file on stdin, CNI_* for ADD at run and for DEL at gc", async () => {
    const uuidFile = sb.path("uuid-proxy");
    const before = existsSync(sb.path("cni-calls")) ? readFileSync(sb.path("cni-calls"), "utf8").length : 0;
    const r = await sb.rkt([...RUN, `--net=${PROXIED}:K1=V1;K2=V2`, `--uuid-file-save=${uuidFile}`, img, ...sh("true")]);
    expect(r.code).toBe(0);
    const uuid = readFileSync(uuidFile, "utf8");
    const conf = readFileSync(join(netd, "40-proxied.conf"), "utf8");
    const expected = (command: string, netns: string): string =>
      [
        `== ${command}`,
        "CNI_ARGS=IgnoreUnknown=1;K1=V1;K2=V2",
        `CNI_COMMAND=${command}`,
        `CNI_CONTAINERID=${uuid}`,
        "CNI_IFNAME=eth0",
        `CNI_NETNS=${netns}`,
        `CNI_PATH=${netd}:/usr/lib/rkt/plugins/net:/usr/lib/cni:/opt/cni/bin`,
      ].join("\n");
    // One block per call: "== COMMAND", the CNI_* variables, stdin. This pod's only.
    const blocks = (): string[] =>
      readFileSync(sb.path("cni-calls"), "utf8")
        .slice(before)
        .split(/^(?=== )/m)
        .filter((b) => b.includes(`CNI_CONTAINERID=${uuid}\n`));
    expect(blocks()).toEqual([`${expected("ADD", `/var/run/netns/rkt-${uuid}`)}\n${conf}\n`]);
    expect((await sb.rkt(["gc", "--grace-period=0s"])).code).toBe(0);
    const del = blocks()[1]!;
    const stdin = del.slice(del.indexOf("\n{") + 1);
    expect(del.slice(0, del.indexOf("\n{"))).toBe(expected("DEL", `/var/run/netns/rkt-${uuid}`));
    // 1.0.0: DEL gets the ADD result as prevResult.
    expect(JSON.parse(stdin)).toMatchObject({ ...JSON.parse(conf), prevResult: { cniVersion: "1.0.0", ips: [{ address: expect.stringMatching(/^10\.213\.10\./) }] } });
    expectNothingLeft(uuid);
  });

  test("DNS from a CNI result becomes the pod's resolv.conf; --dns wins; --dns=none writes none", async () => {
    const cni = await sb.rkt([...RUN, `--net=${DNSNET}`, img, ...sh("cat /etc/resolv.conf")]);
    expect(cni.stdout).toBe(`# Generated by rkt from network ${DNSNET}\n\nsearch pods.test\nnameserver 203.0.113.53\noptions ndots:2\n`);
    const flag = await sb.rkt([...RUN, `--net=${DNSNET}`, "--dns=198.51.100.53", "--dns-search=flag.test", img, ...sh("cat /etc/resolv.conf")]);
    expect(flag.stdout).toBe("# Generated by rkt run\n\nsearch flag.test\nnameserver 198.51.100.53\n");
    const none = await sb.rkt([...RUN, `--net=${DNSNET}`, "--dns=none", img, ...sh("cat /etc/resolv.conf 2>&1; true")]);
    expect(none.stdout).toMatch(/No such file or directory/);
    // No CNI DNS, no --dns: the image's own file, and this image has none.
    const plain = await sb.rkt([...RUN, img, ...sh("test -e /etc/resolv.conf && echo present || echo absent")]);
    expect(plain.stdout).toBe("absent\n");
    const host = await sb.rkt([...RUN, `--net=${DNSNET}`, "--dns=host", img, ...sh("cat /etc/resolv.conf")]);
    expect(host.stdout).toBe(readFileSync("/etc/resolv.conf", "utf8"));
  });

  test("a user network named default replaces the built-in one", async () => {
    const dir = sb.path("other-config");
    mkdirSync(join(dir, "net.d"), { recursive: true });
    writeFileSync(
      join(dir, "net.d", "50-mydefault.conf"),
      JSON.stringify({ cniVersion: "0.4.0", name: "default", type: "ptp", ipMasq: true, ipam: { type: "host-local", subnet: "10.213.11.0/24", dataDir: sb.path("ipam") } }),
    );
    const r = await sb.rkt([`--local-config=${dir}`, ...RUN, img, ...sh("ip -o -4 addr show eth0 | awk '{print $4}'")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^10\.213\.11\.\d+\/24\n$/);
    expect(r.stderr).toContain(`networking: overriding "default" network with ${join(dir, "net.d", "50-mydefault.conf")}`);
    expect(existsSync(sb.path("ipam", "default"))).toBe(true);
  });
});
