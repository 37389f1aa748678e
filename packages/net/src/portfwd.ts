// Port forwarding as rkt did it (networking/portfwd.go): two nat chains per pod,
//
//   RKT-PFWD-DNAT-<uuid8>  jumped to from PREROUTING and OUTPUT for local destinations:
//                          -d HOSTIP -p PROTO --dport HOSTPORT -j DNAT --to-destination POD:PORT
//   RKT-PFWD-SNAT-<uuid8>  jumped to from POSTROUTING for connections from 127.0.0.1:
//                          -s 127.0.0.1 -d POD -p PROTO --dport PORT -j MASQUERADE
//
// so a forwarded port answers on every host address, 127.0.0.1 included (the OUTPUT jump
// catches the host's own connections; route_localnet on the pod's host interface lets a
// packet from 127.0.0.1 leave through it, and the masquerade gives the pod an address it
// can answer). Rules are written and removed as iptables-restore batches: atomic, and one
// process each.
//
// route_localnet also makes the host accept packets *to* 127.0.0.0/8 arriving on that
// interface, so a pod with CAP_NET_RAW could reach services the host binds to 127.0.0.1
// (CVE-2020-8558). A third chain, in the filter table, drops them as kube-proxy does:
//
//   RKT-PFWD-LOCAL-<uuid8> jumped to from INPUT for packets arriving on the pod's host interface:
//                          -d 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
//
// Replies of the forwarded 127.0.0.1 connections are ESTABLISHED and pass. The chain is in
// place before route_localnet is set and goes after it is unset.

export type Proto = "tcp" | "udp";

export interface PortForward {
  proto: Proto;
  /** Only connections to this host address; every local address when absent. */
  hostIP?: string;
  hostPort: number;
  podIP: string;
  podPort: number;
}

export interface PodChains {
  dnat: string;
  snat: string;
  /** filter table: drops what the pod sends to the host's loopback addresses. */
  local: string;
}

/** rkt's chain names: the first 8 characters of the pod's UUID keep them within iptables' 28. */
export function podChains(uuid: string): PodChains {
  const id = uuid.slice(0, 8);
  return { dnat: `RKT-PFWD-DNAT-${id}`, snat: `RKT-PFWD-SNAT-${id}`, local: `RKT-PFWD-LOCAL-${id}` };
}

/** The jump from INPUT into a pod's loopback guard, for its host interface. */
function localJump(c: PodChains, hostInterface: string): string {
  return `INPUT -i ${hostInterface} -j ${c.local}`;
}

/** The jumps into a pod's chains, in the order they are added. */
function jumps(c: PodChains): string[] {
  return [
    `PREROUTING -m addrtype --dst-type LOCAL -j ${c.dnat}`,
    `OUTPUT -m addrtype --dst-type LOCAL -j ${c.dnat}`,
    `POSTROUTING -s 127.0.0.1/32 ! -d 127.0.0.1/32 -j ${c.snat}`,
  ];
}

/**
 * The iptables-restore (--noflush) input that creates a pod's forwarding: the loopback
 * guard on `hostInterface` (filter table) first, then the forwarding chains (nat table).
 */
export function setupBatch(uuid: string, forwards: PortForward[], hostInterface: string): string {
  const c = podChains(uuid);
  const lines = [
    "*filter",
    `:${c.local} - [0:0]`,
    `-A ${c.local} -d 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
    `-A ${localJump(c, hostInterface)}`,
    "COMMIT",
    "*nat",
    `:${c.dnat} - [0:0]`,
    `:${c.snat} - [0:0]`,
  ];
  for (const f of forwards) {
    const dst = f.hostIP ? `${f.hostIP}/32` : "0.0.0.0/0";
    lines.push(`-A ${c.dnat} -d ${dst} -p ${f.proto} -m ${f.proto} --dport ${f.hostPort} -j DNAT --to-destination ${f.podIP}:${f.podPort}`);
    lines.push(`-A ${c.snat} -s 127.0.0.1/32 -d ${f.podIP}/32 -p ${f.proto} -m ${f.proto} --dport ${f.podPort} -j MASQUERADE`);
  }
  for (const j of jumps(c)) lines.push(`-A ${j}`);
  lines.push("COMMIT", "");
  return lines.join("\n");
}

interface SavedRule {
  chain: string;
  /** Everything after "-A CHAIN ". */
  spec: string;
  target?: string;
}

/** Rules and chains of one table (default nat) as `iptables-save` prints them. */
export function parseSave(text: string, table = "nat"): { chains: string[]; rules: SavedRule[] } {
  const chains: string[] = [];
  const rules: SavedRule[] = [];
  let inTable = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("*")) inTable = line === `*${table}`;
    if (!inTable) continue;
    if (line.startsWith(":")) chains.push(line.slice(1).split(" ")[0]!);
    const m = /^-A (\S+) (.*)$/.exec(line);
    if (m) {
      const target = /(?:^| )-[jg] (\S+)/.exec(m[2]!)?.[1];
      rules.push({ chain: m[1]!, spec: m[2]!, ...(target ? { target } : {}) });
    }
  }
  return { chains, rules };
}

/** One table's part of a removal batch: delete `deletions`, then flush and delete `owned`. */
function removal(table: string, deletions: SavedRule[], owned: Set<string>): string[] {
  if (owned.size === 0 && deletions.length === 0) return [];
  const lines = [`*${table}`];
  for (const r of deletions) lines.push(`-D ${r.chain} ${r.spec}`);
  for (const ch of owned) lines.push(`-F ${ch}`);
  for (const ch of owned) lines.push(`-X ${ch}`);
  lines.push("COMMIT");
  return lines;
}

/**
 * The iptables-restore (--noflush) input that removes everything of a pod as the tables are
 * now (`saved`, iptables-save's output of the nat and filter tables): its forwarding chains,
 * its loopback guard and the jumps into them, and whatever a CNI plugin left in the nat table
 * with the pod's ID in a rule comment (ptp's and bridge's masquerade chains, portmap's), which
 * DEL cannot remove once the namespace is gone. Undefined when there is nothing to remove.
 * Built from the current rules, so it never names a rule that is absent. With `pluginRules:
 * false`, only rkt's own: before DEL, which removes the plugins' own.
 */
export function teardownBatch(uuid: string, saved: string, opts: { pluginRules: boolean } = { pluginRules: true }): string | undefined {
  const c = podChains(uuid);
  const nat = parseSave(saved, "nat");
  const mentionsPod = (spec: string): boolean => opts.pluginRules && /--comment /.test(spec) && spec.includes(uuid);
  const owned = new Set<string>([c.dnat, c.snat].filter((n) => nat.chains.includes(n)));
  // A chain a pod-marked rule jumps to, whose own rules are all pod-marked (or none), is the pod's.
  for (const r of nat.rules) {
    if (!r.target || !mentionsPod(r.spec) || !nat.chains.includes(r.target)) continue;
    const inside = nat.rules.filter((x) => x.chain === r.target);
    if (inside.every((x) => mentionsPod(x.spec))) owned.add(r.target);
  }
  const natDeletions = nat.rules.filter((r) => !owned.has(r.chain) && ((r.target !== undefined && owned.has(r.target)) || mentionsPod(r.spec)));
  const filter = parseSave(saved, "filter");
  const guard = new Set(filter.chains.includes(c.local) ? [c.local] : []);
  const filterDeletions = filter.rules.filter((r) => r.chain !== c.local && r.target === c.local);
  const lines = [...removal("filter", filterDeletions, guard), ...removal("nat", natDeletions, owned)];
  return lines.length === 0 ? undefined : [...lines, ""].join("\n");
}

/**
 * Whether a pod other than `uuid` guards `hostInterface` (a bridge shared by several pods):
 * its route_localnet must then stay set.
 */
export function guardedByOthers(uuid: string, saved: string, hostInterface: string): boolean {
  const own = podChains(uuid).local;
  return parseSave(saved, "filter").rules.some(
    (r) => r.chain === "INPUT" && r.target !== own && r.target?.startsWith("RKT-PFWD-LOCAL-") === true && r.spec.startsWith(`-i ${hostInterface} `),
  );
}
