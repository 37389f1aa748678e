// The pod's network. stage0 decides and makes it (RuntimeOptions.network): the host's network
// (--net=host), or a network namespace of the pod's own, with lo and the CNI networks'
// interfaces already in it (only lo for --net=none). stage0 deletes it at gc.
//
// systemd-nspawn is started inside that namespace (nsenter --net=PATH, as rkt's stage1
// setns()ed into it before exec'ing nspawn), not given it with --network-namespace-path:
// nspawn 252 mounts the container's /sys before it joins a namespace given that way, so the
// apps would see the host's interfaces in /sys/class/net.
import type { RuntimeOptions } from "@rkt/stage1-api";
import { Stage1Error } from "@rkt/stage1-api";
import { findProgram } from "./host-programs.js";

/** The namespace nspawn must start in; undefined for the host's network. */
export function podNetns(options: RuntimeOptions): string | undefined {
  if (options.network.netnsPath) return options.network.netnsPath;
  if (options.network.host) return undefined;
  throw new Stage1Error(
    `--net=${options.net.map((n) => (n.args ? `${n.name}:${n.args}` : n.name)).join(",")}: stage0 gave the pod no network namespace ` +
      `(the nspawn stage1 relies on stage0's networking)`,
  );
}

const NSENTER_CANDIDATES = ["/usr/bin/nsenter", "/bin/nsenter", "/usr/sbin/nsenter"];

export function findNsenter(): string {
  return findProgram("nsenter", NSENTER_CANDIDATES, "nsenter is not installed: install Debian's util-linux package (apt-get install util-linux)");
}

/** The command that starts `path argv...` inside the namespace (argv[0] dropped), or it unchanged. */
export function inNetns(netns: string | undefined, cmd: { path: string; argv: string[] }): { path: string; argv: string[] } {
  if (!netns) return cmd;
  return { path: findNsenter(), argv: ["nsenter", `--net=${netns}`, "--", cmd.path, ...cmd.argv.slice(1)] };
}
