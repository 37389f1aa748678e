// Class 4 of the security audit: port forwarding must not expose the host's loopback
// (CVE-2020-8558). Forwarding 127.0.0.1:PORT into a pod needs route_localnet=1 on the pod's
// host-side interface, which also makes the host accept packets *to* 127.0.0.0/8 arriving
// there: a root app (CAP_NET_RAW is in the default set) sends them with a raw socket and
// reaches services the host binds to 127.0.0.1. The pod here does exactly that, with a
// control packet to the host's address on the same interface that must arrive (so the probe
// demonstrably works) and attack packets to 127.0.0.1 and ::1 that must not.
import { createSocket, type Socket } from "node:dgram";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "../fixtures/aci.js";
import { expectNothingLeft, hostInterfaceTo, httpGet, podIP, startPod, waitExited } from "../helpers/net.js";
import { cleanupPods } from "../helpers/nspawn.js";
import { Sandbox, waitUntil } from "../helpers/rkt.js";
import { buildProbe } from "../helpers/static-c.js";

const BASE = 40000 + (process.pid % 4000) * 5;
const HTTP = BASE;
const PORTS = { attack4: BASE + 1, control4: BASE + 2, attack6: BASE + 3, control6: BASE + 4 };
const KERNEL_CACHE = "/var/cache/rkt/kvm/kernel";

const sb = new Sandbox("sec-loopback");
let img: string;
const sockets: Socket[] = [];
const received: Record<string, number> = {};

function listen(type: "udp4" | "udp6", address: string, port: number): Promise<void> {
  const s = createSocket({ type, ipv6Only: type === "udp6" });
  sockets.push(s);
  s.on("message", (m) => {
    const what = m.toString();
    received[what] = (received[what] ?? 0) + 1;
  });
  return new Promise((resolve, reject) => {
    s.once("error", reject);
    s.bind(port, address, () => resolve());
  });
}

/**
 * The app: serves HTTP on 80 (the forwarded port), then sends the raw packets over and
 * over. The host side of eth0 is its gateway; its MAC comes from ARP.
 */
const PROBE_SCRIPT = [
  "mkdir -p /www && echo forwarded > /www/index.html && httpd -p 80 -h /www",
  `gw=$(ip -4 route | awk '/^default/ {print $3}')`,
  `src=$(ip -4 -o addr show dev eth0 | awk '{split($4, a, "/"); print a[1]}')`,
  "ping -c 1 -W 2 $gw >/dev/null 2>&1",
  `mac=$(awk -v gw=$gw '$1 == gw {print $4}' /proc/net/arp)`,
  "while :; do",
  `  /raw-udp eth0 $mac $src 127.0.0.1 ${PORTS.attack4} attack-v4`,
  `  /raw-udp eth0 $mac $src $gw ${PORTS.control4} control-v4`,
  `  /raw-udp eth0 $mac fe80::1 ::1 ${PORTS.attack6} attack-v6`,
  `  /raw-udp eth0 $mac fe80::1 ll ${PORTS.control6} control-v6`,
  "  sleep 0.2",
  "done",
].join("\n");

beforeAll(async () => {
  const probe = buildProbe("raw-udp", sb.path("raw-udp"));
  img = buildAci(sb.path("probe.aci"), {
    name: "example.com/loopback-probe",
    app: { exec: ["/bin/sh", "-c", PROBE_SCRIPT], user: "0", group: "0", ports: [{ name: "http", protocol: "tcp", port: 80 }] },
    files: { "raw-udp": { copyFrom: probe, mode: 0o755 } },
  });
  await listen("udp4", "127.0.0.1", PORTS.attack4);
  await listen("udp4", "0.0.0.0", PORTS.control4);
  await listen("udp6", "::1", PORTS.attack6);
  await listen("udp6", "::", PORTS.control6);
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await cleanupPods(sb);
  sb.cleanup();
});

async function attackFrom(flavor: "nspawn" | "kvm"): Promise<void> {
  for (const k of Object.keys(received)) delete received[k];
  const pod = await startPod(sb, [`--stage1-name=${flavor}`, `--port=http:${HTTP}`, img]);
  const veth = hostInterfaceTo(await podIP(sb, pod.uuid));
  try {
    // The forward from 127.0.0.1 still works: it is why route_localnet is set at all.
    await waitUntil(async () => (await httpGet(`http://127.0.0.1:${HTTP}/`)) !== undefined, 30_000, "the forwarded port");
    expect(await httpGet(`http://127.0.0.1:${HTTP}/`)).toBe("forwarded\n");
    expect(readFileSync(`/proc/sys/net/ipv4/conf/${veth}/route_localnet`, "utf8").trim()).toBe("1");
    // The probe's packets reach the host through this interface...
    await waitUntil(() => (received["control-v4"] ?? 0) >= 5 && (received["control-v6"] ?? 0) >= 5, 60_000, "the probe's control packets on the host");
    // ...but none addressed to the host's loopback is accepted.
    expect({ v4: received["attack-v4"] ?? 0, v6: received["attack-v6"] ?? 0 }).toEqual({ v4: 0, v6: 0 });
  } finally {
    await sb.rkt(["stop", "--force", pod.uuid]);
    await waitExited(sb, pod.uuid);
    await pod.done;
  }
  const gc = await sb.rkt(["gc", "--grace-period=0s"]);
  expect(gc.code).toBe(0);
  // The guard goes with the pod, as do the forwarding chains.
  expectNothingLeft(pod.uuid, [veth]);
}

describe("a pod with a forwarded port and CAP_NET_RAW cannot reach the host's 127.0.0.1 or ::1", () => {
  test("nspawn", async () => {
    await attackFrom("nspawn");
  });

  test.skipIf(!existsSync(KERNEL_CACHE))("kvm: the guest is the pod's endpoint on the same interface", async () => {
    await attackFrom("kvm");
  });
});
