#!/usr/bin/env bash
# Pod start on the nspawn stage1 (image in the store, /bin/true) against a bare
# systemd-nspawn of the same root filesystem and a bare `node -e 0`, alternating in one
# hyperfine invocation. The pod shares the host network, like the bare nspawn (bench/net-start.sh
# measures what the default CNI network adds). Prints medians and the ratio to the goal:
#   rkt run <= 1.3 x (node -e 0 + bare systemd-nspawn)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-30}
work=$(mktemp -d /tmp/rkt-bench-nspawn.XXXXXX)
RKT="$PWD/bin/rkt --dir=$work/data"

# The cgroups a bare systemd-nspawn leaves under its caller's (payload, supervisor):
# remembered before, removed after, so that the bench leaves nothing behind.
own_cgroups() {
  awk -F: '$2 == "name=systemd" { print "/sys/fs/cgroup/systemd" $3 } $1 == "0" { print "/sys/fs/cgroup/unified" $3 }' /proc/self/cgroup
}
leftovers=()
for cg in $(own_cgroups); do
  for sub in payload supervisor; do [ -e "$cg/$sub" ] || leftovers+=("$cg/$sub"); done
done
cleanup() {
  $RKT gc --grace-period=0s >/dev/null 2>&1 || true
  for d in "${leftovers[@]}"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

source bench/lib.sh
id=$(true_image "$work" $RKT)
# The bare nspawn gets a copy of the rendered root: nspawn adds its mount points to a root
# it boots, and the store's tree must stay as rendered.
cp -a "$(ls -d "$work"/data/cas/tree/deps-*/rootfs)" "$work/bare-rootfs"

hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$work/out.json" \
  -n "rkt run (nspawn)" "$RKT run --net=host $id" \
  -n "systemd-nspawn" "systemd-nspawn -D $work/bare-rootfs --register=no --keep-unit -q /bin/true" \
  -n "node -e 0" "node -e 0" >/dev/null 2>"$work/hyperfine.err" || { cat "$work/hyperfine.err" >&2; exit 1; }

node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
const med = Object.fromEntries(r.map((x) => [x.command, x.median * 1000]));
for (const [k, v] of Object.entries(med)) console.log(`${k.padEnd(18)} median ${v.toFixed(1)} ms`);
const base = med["node -e 0"] + med["systemd-nspawn"];
console.log(`ratio rkt run / (node -e 0 + systemd-nspawn): ${(med["rkt run (nspawn)"] / base).toFixed(2)} (goal <= 1.30)`);
console.log(`rkt run - (node -e 0 + systemd-nspawn): ${(med["rkt run (nspawn)"] - base).toFixed(1)} ms`);
' "$work/out.json"
