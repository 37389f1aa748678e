// The VM's network, from what stage0 decided (RuntimeOptions.network), following the nspawn
// flavor's rule until stage0 sets up CNI networks:
//
//   --net=none                      no network card (the guest has lo only)
//   the host's network (--net=host, and the implicit default for now)
//                                   QEMU's user-mode network (slirp): outbound connections
//                                   through the host's stack, guest 10.0.2.15/24, gateway
//                                   10.0.2.2, DNS proxy 10.0.2.3
//   a network namespace (CNI)       the place for a tap device in that namespace, with the
//                                   CNI result's address: comes with the Networking work
import type { Logger, RuntimeOptions } from "@rkt/stage1-api";
import { Stage1Error } from "@rkt/stage1-api";

export type VmNetwork = { kind: "none" } | { kind: "slirp" };

/** The DNS server QEMU's user-mode network offers the guest. */
export const SLIRP_DNS = "10.0.2.3";

function netList(options: RuntimeOptions): string {
  return options.net.map((n) => (n.args ? `${n.name}:${n.args}` : n.name)).join(",");
}

export function vmNetwork(options: RuntimeOptions, logger: Logger): VmNetwork {
  const names = options.net.map((n) => n.name);
  if (options.network.netnsPath) {
    throw new Stage1Error(
      `--net=${netList(options)}: kvm pods cannot use CNI networks yet (a tap device in the pod's network namespace ` +
        `comes with the networking work); use --net=host or --net=none`,
    );
  }
  if (names.length === 1 && names[0] === "none") return { kind: "none" };
  if (options.network.host) {
    if (!names.includes("host")) logger.debug(`--net=${netList(options)}: the VM gets QEMU's user-mode network (CNI networks are not set up yet)`);
    return { kind: "slirp" };
  }
  throw new Stage1Error(
    `--net=${netList(options)} is not supported yet: CNI networks (default, default-restricted, all and named networks) ` +
      `are still to come; use --net=host or --net=none`,
  );
}
