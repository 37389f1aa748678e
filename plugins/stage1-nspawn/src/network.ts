// The pod's network, as systemd-nspawn options. stage0 decides (RuntimeOptions.network):
// the host's network, a network namespace it made (CNI, with the Networking work), or none
// of those for --net=none, where nspawn makes a namespace with only lo.
import type { Logger, RuntimeOptions } from "@rkt/stage1-api";
import { Stage1Error } from "@rkt/stage1-api";

export function networkArgs(options: RuntimeOptions, logger: Logger): string[] {
  const names = options.net.map((n) => n.name);
  if (options.network.netnsPath) return [`--network-namespace-path=${options.network.netnsPath}`];
  if (names.length === 1 && names[0] === "none") return ["--private-network"];
  if (options.network.host) {
    if (!names.includes("host")) {
      logger.debug(`--net=${names.join(",")}: stage0 gave the pod the host's network (CNI networks are not set up yet)`);
    }
    return [];
  }
  throw new Stage1Error(
    `--net=${options.net.map((n) => (n.args ? `${n.name}:${n.args}` : n.name)).join(",")} is not supported yet: ` +
      `CNI networks (default, default-restricted, all and named networks) are still to come; use --net=host or --net=none`,
  );
}
