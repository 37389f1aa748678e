// The pod's network, as systemd-nspawn options. stage0 decides and makes it
// (RuntimeOptions.network): the host's network (--net=host), or a network namespace of the
// pod's own, with lo and the CNI networks' interfaces already in it (also --net=none: lo
// only), which nspawn joins instead of making one. stage0 deletes it at gc.
import type { RuntimeOptions } from "@rkt/stage1-api";
import { Stage1Error } from "@rkt/stage1-api";

export function networkArgs(options: RuntimeOptions): string[] {
  if (options.network.netnsPath) return [`--network-namespace-path=${options.network.netnsPath}`];
  if (options.network.host) return [];
  throw new Stage1Error(
    `--net=${options.net.map((n) => (n.args ? `${n.name}:${n.args}` : n.name)).join(",")}: stage0 gave the pod no network namespace ` +
      `(the nspawn stage1 relies on stage0's networking)`,
  );
}
