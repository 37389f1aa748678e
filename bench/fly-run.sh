#!/usr/bin/env bash
# rkt run on fly (image in the store, /bin/true) against a bare `node -e 0` and a bare
# chroot of the same rendered rootfs, alternating in one hyperfine invocation.
# Prints medians and the ratios; the goal is rkt run <= 1.3 x node -e 0.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-30}
work=$(mktemp -d /tmp/rkt-bench-fly.XXXXXX)
trap 'rm -rf "$work"' EXIT

RKT="$PWD/bin/rkt --dir=$work/data"
source bench/lib.sh
id=$(true_image "$work" $RKT)
rootfs=$(ls -d "$work"/data/cas/tree/deps-*/rootfs)

hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$work/out.json" \
  -n "rkt run (fly)" "$RKT run --stage1-name=fly $id" \
  -n "node -e 0" "node -e 0" \
  -n "chroot" "chroot $rootfs /bin/true" >/dev/null

node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
const med = Object.fromEntries(r.map((x) => [x.command, x.median * 1000]));
for (const [k, v] of Object.entries(med)) console.log(`${k.padEnd(16)} median ${v.toFixed(1)} ms`);
console.log(`ratio rkt run / node -e 0: ${(med["rkt run (fly)"] / med["node -e 0"]).toFixed(2)} (goal <= 1.30)`);
console.log(`ratio rkt run / chroot:    ${(med["rkt run (fly)"] / med["chroot"]).toFixed(1)}`);
' "$work/out.json"
$RKT gc --grace-period=0s >/dev/null 2>&1 || true
