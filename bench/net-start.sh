#!/usr/bin/env bash
# What the pod network costs at start: `rkt run` of /bin/true (nspawn stage1, image in the
# store) on the default network (a namespace, CNI ptp + host-local, masquerade rules)
# against --net=host. The two alternate: ROUNDS hyperfine rounds of both, the samples of
# all rounds pooled, so that drift on a busy machine hits both alike. Every run starts
# from no pods (hyperfine --prepare runs rkt gc, untimed): exited pods keep their network
# until gc, and a growing ruleset would slow the later runs.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-30}
ROUNDS=${ROUNDS:-3}
work=$(mktemp -d /tmp/rkt-bench-net.XXXXXX)
RKT="$PWD/bin/rkt --dir=$work/data"

cleanup() {
  $RKT gc --grace-period=0s >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

source bench/lib.sh
id=$(true_image "$work" $RKT)

per_round=$(( (RUNS + ROUNDS - 1) / ROUNDS ))
for round in $(seq 1 "$ROUNDS"); do
  hyperfine -N --warmup 2 --runs "$per_round" --export-json "$work/round-$round.json" \
    --prepare "$RKT gc --grace-period=0s" \
    -n "rkt run (default network)" "$RKT run $id" \
    -n "rkt run --net=host" "$RKT run --net=host $id" >/dev/null 2>"$work/hyperfine.err" || { cat "$work/hyperfine.err" >&2; exit 1; }
done

node -e '
const fs = require("fs");
const times = {};
for (const f of process.argv.slice(1)) {
  for (const r of JSON.parse(fs.readFileSync(f, "utf8")).results) (times[r.command] ??= []).push(...r.times.map((t) => t * 1000));
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const med = {};
for (const [k, xs] of Object.entries(times)) {
  med[k] = median(xs);
  console.log(`${k.padEnd(26)} median ${med[k].toFixed(1)} ms  (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}, ${xs.length} runs)`);
}
const net = med["rkt run (default network)"], host = med["rkt run --net=host"];
console.log(`the default network costs ${(net - host).toFixed(1)} ms per pod start (${((net / host - 1) * 100).toFixed(0)}%)`);
' "$work"/round-*.json
