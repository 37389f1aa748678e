// Wiring a kvm pod's CNI interfaces to its VM. stage0 made the pod's network namespace with
// one interface per network (a veth end, a macvlan...) holding the pod's address. Inside that
// namespace each interface gets a tap device, and tc redirects every frame arriving on one to
// the other (ingress qdisc, u32 match-all, mirred redirect): frames for the pod go to the VM,
// the VM's go out as the pod's. The guest's NIC takes the interface's MAC, so peers, ARP
// entries and port forwards keep working; the namespace's own stack never sees the traffic.
// The taps live in the namespace, which stage0 deletes at gc: nothing to clean up here.
import { Stage1Error, shQuote } from "@rkt/stage1-api";
import { execFileSync } from "node:child_process";
import type { PodInterface } from "@rkt/stage1-api";
import { plannedNics, type VmNic } from "./network.js";

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

/**
 * The shell script that makes the taps and redirections and prints each interface's `ip -o
 * link` line (its MAC). Not /sys/class/net: under nsenter, /sys still shows the host's.
 */
export function tapScript(nics: readonly Omit<VmNic, "mac">[]): string {
  const lines = ["set -e"];
  for (const n of nics) {
    if (!IFNAME.test(n.ifName) || !IFNAME.test(n.tap)) throw new Stage1Error(`invalid interface name ${JSON.stringify(n.ifName)}`);
    const [i, t] = [shQuote(n.ifName), shQuote(n.tap)];
    lines.push(
      `ip tuntap add dev ${t} mode tap`,
      `ip link set dev ${t} mtu "$(ip -o link show dev ${i} | sed -n 's/.* mtu \\([0-9]*\\) .*/\\1/p')" up`,
      `tc qdisc add dev ${i} ingress`,
      `tc filter add dev ${i} parent ffff: protocol all u32 match u8 0 0 action mirred egress redirect dev ${t}`,
      `tc qdisc add dev ${t} ingress`,
      `tc filter add dev ${t} parent ffff: protocol all u32 match u8 0 0 action mirred egress redirect dev ${i}`,
      `ip -o link show dev ${i}`,
    );
  }
  return lines.join("\n") + "\n";
}

export function wireTaps(netnsPath: string, interfaces: readonly PodInterface[]): VmNic[] {
  const nics = plannedNics(interfaces);
  let out: string;
  try {
    out = execFileSync("nsenter", [`--net=${netnsPath}`, "--", "sh", "-c", tapScript(nics)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const stderr = ((err as { stderr?: string }).stderr ?? "").trim();
    throw new Stage1Error(`wiring the pod's network into its VM (tap devices in ${netnsPath}): ${stderr || (err as Error).message}`);
  }
  const macs = out.trim().split("\n").map((l) => l.match(/ link\/ether ([0-9a-f:]{17}) /i)?.[1]);
  return nics.map((n, k) => {
    const mac = interfaces[k]!.mac ?? macs[k] ?? "";
    if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) throw new Stage1Error(`the pod's interface ${n.ifName} has no usable MAC address (${JSON.stringify(mac)})`);
    return { ...n, mac: mac.toLowerCase() };
  });
}
