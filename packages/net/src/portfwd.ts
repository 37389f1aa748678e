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
}

/** rkt's chain names: the first 8 characters of the pod's UUID keep them within iptables' 28. */
export function podChains(uuid: string): PodChains {
  const id = uuid.slice(0, 8);
  return { dnat: `RKT-PFWD-DNAT-${id}`, snat: `RKT-PFWD-SNAT-${id}` };
}

/** The jumps into a pod's chains, in the order they are added. */
function jumps(c: PodChains): string[] {
  return [
    `PREROUTING -m addrtype --dst-type LOCAL -j ${c.dnat}`,
    `OUTPUT -m addrtype --dst-type LOCAL -j ${c.dnat}`,
    `POSTROUTING -s 127.0.0.1/32 ! -d 127.0.0.1/32 -j ${c.snat}`,
  ];
}

/** The iptables-restore (--noflush) input that creates a pod's forwarding. */
export function setupBatch(uuid: string, forwards: PortForward[]): string {
  const c = podChains(uuid);
  const lines = ["*nat", `:${c.dnat} - [0:0]`, `:${c.snat} - [0:0]`];
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

/** Rules and chains of the nat table as `iptables-save -t nat` prints them. */
export function parseSave(text: string): { chains: string[]; rules: SavedRule[] } {
  const chains: string[] = [];
  const rules: SavedRule[] = [];
  let inNat = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("*")) inNat = line === "*nat";
    if (!inNat) continue;
    if (line.startsWith(":")) chains.push(line.slice(1).split(" ")[0]!);
    const m = /^-A (\S+) (.*)$/.exec(line);
    if (m) {
      const target = /(?:^| )-[jg] (\S+)/.exec(m[2]!)?.[1];
      rules.push({ chain: m[1]!, spec: m[2]!, ...(target ? { target } : {}) });
    }
  }
  return { chains, rules };
}

/**
 * The iptables-restore (--noflush) input that removes everything of a pod from the nat table
 * as it is now (`saved`): its forwarding chains and the jumps into them, and whatever a CNI
 * plugin left with the pod's ID in a rule comment (ptp's and bridge's masquerade chains,
 * portmap's), which DEL cannot remove once the namespace is gone. Undefined when there is
 * nothing to remove. Built from the current rules, so it never names a rule that is absent.
 * With `pluginRules: false`, only the forwarding: before DEL, which removes the plugins' own.
 */
export function teardownBatch(uuid: string, saved: string, opts: { pluginRules: boolean } = { pluginRules: true }): string | undefined {
  const { chains, rules } = parseSave(saved);
  const c = podChains(uuid);
  const mentionsPod = (spec: string): boolean => opts.pluginRules && /--comment /.test(spec) && spec.includes(uuid);
  const owned = new Set<string>([c.dnat, c.snat].filter((n) => chains.includes(n)));
  // A chain a pod-marked rule jumps to, whose own rules are all pod-marked (or none), is the pod's.
  for (const r of rules) {
    if (!r.target || !mentionsPod(r.spec) || !chains.includes(r.target)) continue;
    const inside = rules.filter((x) => x.chain === r.target);
    if (inside.every((x) => mentionsPod(x.spec))) owned.add(r.target);
  }
  const deletions = rules.filter((r) => !owned.has(r.chain) && ((r.target !== undefined && owned.has(r.target)) || mentionsPod(r.spec)));
  if (owned.size === 0 && deletions.length === 0) return undefined;
  const lines = ["*nat"];
  for (const r of deletions) lines.push(`-D ${r.chain} ${r.spec}`);
  for (const ch of owned) lines.push(`-F ${ch}`);
  for (const ch of owned) lines.push(`-X ${ch}`);
  lines.push("COMMIT", "");
  return lines.join("\n");
}
