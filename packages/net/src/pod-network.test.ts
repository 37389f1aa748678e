// A pod's networking with the real CNI plugins (Debian's containernetworking-plugins), ip
// and iptables, without a pod: the namespace, ADD, CHECK, the forwards, and a teardown that
// leaves nothing. Needs root and the plugins; skipped otherwise.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { checkNetwork } from "./cni/client.js";
import { parseNetworkConfig } from "./config.js";
import { setupPodNetwork, teardownPodNetwork, NetworkSetupError } from "./pod-network.js";
import { readState } from "./state.js";

const usable = process.getuid?.() === 0 && existsSync("/usr/lib/cni/ptp") && existsSync("/usr/sbin/iptables");
const SUBNET = "10.213.250"; // this test's own: no other test or host network uses it
const NET = `rkt-unit-${process.pid}`;

let root: string;
const log = { warn: () => {}, debug: () => {} };

function leases(): string[] {
  const dir = `/var/lib/cni/networks/${NET}`;
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(SUBNET)) : [];
}

function nat(): string {
  return execFileSync("iptables-save", ["-t", "nat"], { encoding: "utf8" });
}

describe.skipIf(!usable)("a pod's network with the real plugins", () => {
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "rkt-podnet-"));
    mkdirSync(join(root, "etc", "net.d"), { recursive: true });
    writeFileSync(
      join(root, "etc", "net.d", "10-unit.conf"),
      JSON.stringify({ cniVersion: "1.0.0", name: NET, type: "ptp", ipMasq: true, ipam: { type: "host-local", subnet: `${SUBNET}.0/24`, routes: [{ dst: "0.0.0.0/0" }] } }),
    );
    writeFileSync(join(root, "etc", "net.d", "20-broken.conf"), JSON.stringify({ cniVersion: "1.0.0", name: `${NET}-b`, type: "no-such-plugin" }));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(`/var/lib/cni/networks/${NET}`, { recursive: true, force: true });
  });

  test("setup, CHECK, forwards, teardown: nothing left", async () => {
    const uuid = randomUUID();
    const pod = join(root, uuid);
    mkdirSync(pod);
    const s = await setupPodNetwork({
      podDir: pod,
      uuid,
      requests: [{ name: NET, args: `IP=${SUBNET}.77` }],
      localConfigDir: join(root, "etc"),
      ports: [{ proto: "tcp", hostPort: 28977, podPort: 80 }],
      log,
    });
    expect(s.netnsPath).toBe(`/var/run/netns/rkt-${uuid}`);
    // A named network brings default-restricted along, as in rkt.
    expect(s.netInfo.map((n) => `${n.ifName} ${n.netName} ${n.ip}/${n.mask}`)).toEqual([
      `eth0 ${NET} ${SUBNET}.77/255.255.255.0`,
      expect.stringMatching(/^eth1 default-restricted 172\.31\.\d+\.\d+\/255\.255\.0\.0$/),
    ]);
    expect(s.interfaces[0]).toMatchObject({ netName: NET, ifName: "eth0", addresses: [{ address: `${SUBNET}.77/24`, gateway: `${SUBNET}.1` }] });
    // The namespace's routing as ptp made it: no prefix route, the subnet via the gateway.
    // On-link routes first: the order they can be added in.
    expect(s.interfaces[0]!.routes).toEqual([
      { dst: `${SUBNET}.1/32` },
      { dst: "0.0.0.0/0", gw: `${SUBNET}.1` },
      { dst: `${SUBNET}.0/24`, gw: `${SUBNET}.1` },
    ]);
    expect(s.interfaces[1]!.routes).toEqual([
      { dst: "172.31.0.1/32" },
      { dst: "172.31.0.0/16", gw: "172.31.0.1" },
    ]);
    expect(execFileSync("ip", ["-n", `rkt-${uuid}`, "-o", "link"], { encoding: "utf8" })).toMatch(/lo: <LOOPBACK,UP,LOWER_UP>/);
    expect(leases()).toEqual([`${SUBNET}.77`]);
    expect(nat()).toContain(`--to-destination ${SUBNET}.77:80`);
    expect(JSON.parse(readFileSync(join(pod, "net-info.json"), "utf8"))).toEqual(s.netInfo);

    // CHECK with the saved result: the plugins confirm what ADD made.
    const state = readState(pod)!;
    const a = state.attachments[0]!;
    const net = parseNetworkConfig(readFileSync(join(pod, a.confFile)), a.confFile);
    await checkNetwork(net, { containerId: uuid, netns: s.netnsPath, ifName: a.ifName, args: a.args!, cniPath: state.cniPath }, a.result);

    expect(await teardownPodNetwork(pod, log)).toEqual([]);
    expect(existsSync(s.netnsPath)).toBe(false);
    expect(leases()).toEqual([]);
    expect(nat()).not.toContain(uuid);
    expect(nat()).not.toContain(`RKT-PFWD-DNAT-${uuid.slice(0, 8)}`);
    expect(readState(pod)).toBeUndefined();
    // Again: nothing to do.
    expect(await teardownPodNetwork(pod, log)).toEqual([]);
  });

  test("a setup that fails half-way undoes the half that worked", async () => {
    const uuid = randomUUID();
    const pod = join(root, uuid);
    mkdirSync(pod);
    const err = await setupPodNetwork({ podDir: pod, uuid, requests: [{ name: NET }, { name: `${NET}-b` }], localConfigDir: join(root, "etc"), ports: [], log }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkSetupError);
    expect((err as Error).message).toMatch(new RegExp(`^network ${NET}-b: failed to find plugin "no-such-plugin"`));
    expect(existsSync(`/var/run/netns/rkt-${uuid}`)).toBe(false);
    expect(leases()).toEqual([]);
    expect(nat()).not.toContain(uuid);
  });

  test("teardown after the namespace was deleted behind rkt's back still releases everything", async () => {
    const uuid = randomUUID();
    const pod = join(root, uuid);
    mkdirSync(pod);
    await setupPodNetwork({ podDir: pod, uuid, requests: [{ name: NET }, { name: "default" }], localConfigDir: join(root, "etc"), ports: [], log });
    execFileSync("ip", ["netns", "delete", `rkt-${uuid}`]);
    expect(await teardownPodNetwork(pod, log)).toEqual([]);
    expect(leases()).toEqual([]);
    // ptp's masquerade rules could not be removed by DEL without the namespace: the sweep did.
    expect(nat()).not.toContain(uuid);
  });
});
