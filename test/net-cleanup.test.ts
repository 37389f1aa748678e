// Nothing of a pod's network outlives the pod: after rkt stop and rkt gc, after the pod's
// process was SIGKILLed and rkt gc, after its namespace was deleted behind rkt's back, and
// after rkt rm: no namespace, no veth, no iptables rule, no IPAM lease names the pod.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { cleanupPods } from "./helpers/nspawn.js";
import { expectNothingLeft, hostInterfaceTo, httpd, leftovers, podIP, startPod, waitExited } from "./helpers/net.js";
import { Sandbox, waitUntil } from "./helpers/rkt.js";

const PORT = 30000 + (process.pid % 5000) * 2;

describe("a pod's network goes with the pod (nspawn)", () => {
  const sb = new Sandbox("net-cleanup");
  let img: string;

  beforeAll(() => {
    img = buildAci(sb.path("netbb.aci"), {
      name: "example.com/netbb",
      app: { exec: ["/bin/sh", "-c", "sleep 300"], user: "0", group: "0", ports: [{ name: "http", protocol: "tcp", port: 80 }] },
    });
  });
  afterAll(async () => {
    await cleanupPods(sb);
    sb.cleanup();
  });

  /** A running pod with a forwarded port, and the host side of its veth. */
  async function podWithPort(port: number) {
    const pod = await startPod(sb, [`--port=http:${port}`, img, ...httpd("x")]);
    const veth = hostInterfaceTo(await podIP(sb, pod.uuid));
    // While it runs, everything is there: the test below would see it.
    const there = leftovers(pod.uuid, [veth]);
    expect(there.some((l) => l.startsWith("netns "))).toBe(true);
    expect(there).toContain(`interface ${veth}`);
    expect(there.some((l) => l.includes(`RKT-PFWD-DNAT-${pod.uuid.slice(0, 8)}`))).toBe(true);
    expect(there.some((l) => l.startsWith("nat: ") && l.includes("MASQUERADE") && l.includes(pod.uuid))).toBe(true);
    expect(there.some((l) => l.startsWith("lease default/"))).toBe(true);
    return { pod, veth };
  }

  test("rkt stop, then rkt gc", async () => {
    const { pod, veth } = await podWithPort(PORT);
    expect((await sb.rkt(["stop", pod.uuid])).code).toBe(0);
    await pod.done;
    // An exited pod keeps its network until gc (rkt status shows it).
    expect((await sb.rkt(["status", pod.uuid])).stdout).toMatch(/^networks=default:ip4=/m);
    expect(leftovers(pod.uuid, [veth])).not.toEqual([]);
    // The first gc releases the network of the dead pod, even while the pod itself stays for
    // the grace period.
    const mark = await sb.rkt(["gc"]);
    expect(mark.code).toBe(0);
    expect(mark.stderr).toContain(`pod "${pod.uuid}" not removed: still within grace period`);
    expectNothingLeft(pod.uuid, [veth]);
    expect(existsSync(`${sb.dataDir}/pods/exited-garbage/${pod.uuid}/net-info.json`)).toBe(true);
    const gc = await sb.rkt(["gc", "--grace-period=0s"]);
    expect(gc.code).toBe(0);
    expect(gc.stdout).toContain(`Garbage collecting pod "${pod.uuid}"`);
    expectNothingLeft(pod.uuid, [veth]);
  });

  test("SIGKILL of the pod's process, then rkt gc", async () => {
    const { pod, veth } = await podWithPort(PORT + 1);
    // The process rkt became (the pod's systemd-nspawn): this test started it.
    process.kill(pod.pid()!, "SIGKILL");
    await waitExited(sb, pod.uuid);
    const gc = await sb.rkt(["gc", "--grace-period=0s"]);
    expect(gc.code).toBe(0);
    expectNothingLeft(pod.uuid, [veth]);
    // The pod's apps outlived nspawn (holding rkt's output pipes) until gc ended them.
    expect((await pod.done).signal).toBe("SIGKILL");
  });

  test("rkt stop --force, the namespace deleted by hand, then rkt gc", async () => {
    const { pod, veth } = await podWithPort(PORT);
    expect((await sb.rkt(["stop", "--force", pod.uuid])).code).toBe(0);
    await waitExited(sb, pod.uuid);
    execFileSync("ip", ["netns", "delete", `rkt-${pod.uuid}`]);
    const gc = await sb.rkt(["gc", "--grace-period=0s"]);
    expect(gc.code).toBe(0);
    expect(gc.stderr).not.toMatch(/cannot tear down|unable to remove/);
    expectNothingLeft(pod.uuid, [veth]);
  });

  test("rkt rm of an exited pod", async () => {
    const uuidFile = sb.path("uuid-rm");
    const r = await sb.rkt(["--insecure-options=image", "run", `--uuid-file-save=${uuidFile}`, img, "--exec=/bin/true"]);
    expect(r.code).toBe(0);
    const uuid = readFileSync(uuidFile, "utf8");
    expect(leftovers(uuid).some((l) => l.startsWith("netns "))).toBe(true);
    const rm = await sb.rkt(["rm", uuid]);
    expect(rm.code).toBe(0);
    expectNothingLeft(uuid);
    await waitUntil(() => !existsSync(`/var/run/netns/rkt-${uuid}`), 1000, "the namespace to go");
  });
});
