// The VM's network, from what stage0 decided (RuntimeOptions.network):
//
//   --net=host     QEMU's user-mode network (slirp): outbound connections through the
//                  host's stack; guest 10.0.2.15/24, gateway 10.0.2.2, DNS proxy 10.0.2.3
//   a network namespace of stage0's (CNI networks, protocol 1.1)
//                  QEMU runs in it; each network's interface there (eth0, eth1...) is wired
//                  to a tap device by tc redirection both ways, and the guest's NIC behind
//                  that tap takes the interface's MAC, addresses and routes: the guest *is*
//                  the pod's endpoint on the network (taps.ts)
//   --net=none     no network card (the guest has lo only)
import type { Logger, PodInterface, RuntimeOptions } from "@rkt/stage1-api";
import { Stage1Error } from "@rkt/stage1-api";

export interface VmNic {
  /** The tap device in the pod's namespace that QEMU attaches the NIC to. */
  tap: string;
  /** The CNI interface it is wired to (eth0...). */
  ifName: string;
  mac: string;
  addresses: string[];
  routes: { dst: string; gw?: string }[];
}

export type VmNetwork = { kind: "none" } | { kind: "slirp" } | { kind: "tap"; netnsPath: string; nics: VmNic[] };

/** The DNS server QEMU's user-mode network offers the guest. */
export const SLIRP_DNS = "10.0.2.3";

function netList(options: RuntimeOptions): string {
  return options.net.map((n) => (n.args ? `${n.name}:${n.args}` : n.name)).join(",");
}

/** The tap of each CNI interface: tap0 for the first, and so on. MACs come from taps.ts. */
export function plannedNics(interfaces: readonly PodInterface[]): Omit<VmNic, "mac">[] {
  return interfaces.map((i, n) => ({
    tap: `tap${n}`,
    ifName: i.ifName,
    addresses: i.addresses.map((a) => a.address),
    routes: i.routes.map((r) => ({ dst: r.dst, ...(r.gw ? { gw: r.gw } : {}) })),
  }));
}

/** What the VM gets, before the taps are made (nics without their MACs yet). */
export function vmNetwork(options: RuntimeOptions, logger: Logger): { kind: "none" } | { kind: "slirp" } | { kind: "tap"; netnsPath: string; interfaces: readonly PodInterface[] } {
  const names = options.net.map((n) => n.name);
  if (options.network.host) {
    if (!names.includes("host")) logger.debug(`--net=${netList(options)}: the VM gets QEMU's user-mode network`);
    return { kind: "slirp" };
  }
  const interfaces = options.network.interfaces ?? [];
  if (options.network.netnsPath && interfaces.length > 0) return { kind: "tap", netnsPath: options.network.netnsPath, interfaces };
  if (options.network.netnsPath || (names.length === 1 && names[0] === "none")) return { kind: "none" };
  throw new Stage1Error(
    `--net=${netList(options)}: stage0 gave the pod no network namespace for its CNI networks; use --net=host or --net=none`,
  );
}
