#!/usr/bin/env bash
# rkt run on the kvm stage1 (image in the store, /bin/true) against a bare QEMU boot of the
# same kernel and initramfs whose init powers off at once (`vm-guest poweroff`), with the
# same machine, accelerator, memory and kernel command line but no devices. The two alternate
# (one hyperfine call per round, one run of each), so load from other work on the machine
# hits both alike. Prints the medians and the ratio (goal: rkt run <= 1.15 x bare QEMU), then
# the supervisor's own timings of each rkt run (<pod>/kvm/timings): boot-to-app, from QEMU's
# start to the guest init handing over to the pod init (which starts the app at once), and
# from QEMU's start to the pod's exit code on the host. The pods use --net=host (QEMU's
# user-mode network), NET=none for no network; the default CNI network is stage0's work.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-15}
NET=${NET:-host}
work=$(mktemp -d /tmp/rkt-bench-kvm.XXXXXX)
RKT="$PWD/bin/rkt --dir=$work/data"
cleanup() {
  $RKT gc --grace-period=0s >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

source bench/lib.sh
id=$(true_image "$work" $RKT)
# One run fills the kernel and initramfs caches.
$RKT run --net="$NET" --stage1-name=kvm "$id" >/dev/null

# The bare boot: the plugin's own kernel, initramfs, accelerator and command line.
bare=$(node --input-type=module -e '
const dist = process.argv[1] + "/plugins/stage1-kvm/dist/";
const { loadConfig } = await import(dist + "config.js");
const { guestKernel } = await import(dist + "kernel.js");
const { guestInitramfs } = await import(dist + "initramfs.js");
const { chooseAccel } = await import(dist + "accel.js");
const { hostTscKhz, kernelCmdline } = await import(dist + "qemu.js");
const { helperPath } = await import(process.argv[1] + "/packages/isolation/dist/index.js");
const cfg = loadConfig("/etc/rkt");
const k = guestKernel(cfg);
const initrd = guestInitramfs({ cacheDir: cfg.cacheDir, helper: helperPath(), ...(k.modulesDir ? { modulesDir: k.modulesDir } : {}) });
const accel = chooseAccel(cfg.accel).accel;
const cmdline = kernelCmdline({ accel, tscKhz: hostTscKhz(), verbose: false }) + " poweroff";
const q = (s) => "\x27" + s + "\x27";
console.log(["qemu-system-x86_64", "-M", "microvm", "-accel", accel, ...(accel === "kvm" ? ["-cpu", "host"] : []), "-smp", "1", "-m", "256M",
  "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-kernel", k.boot, "-initrd", initrd, "-append", q(cmdline)].join(" "));
' "$PWD")
[ -n "$bare" ] || { echo "kvm-start: cannot compute the bare QEMU command" >&2; exit 1; }

run_rkt="$RKT run --net=$NET --stage1-name=kvm $id"
for _ in 1 2; do $run_rkt >/dev/null; eval "$bare"; done # warm-up
for i in $(seq "$RUNS"); do
  hyperfine -N --runs 1 --export-json "$work/round-$i.json" -n "rkt run (kvm)" "$run_rkt" -n "bare QEMU" "$bare" >/dev/null 2>&1
done

# The supervisor's timings of every pod the rounds ran.
cat "$work"/data/pods/run/*/kvm/timings > "$work/timings.txt"

node -e '
const fs = require("fs");
const [dir, runs] = [process.argv[1], Number(process.argv[2])];
const times = {};
for (let i = 1; i <= runs; i++) {
  for (const r of JSON.parse(fs.readFileSync(`${dir}/round-${i}.json`, "utf8")).results) (times[r.command] ??= []).push(...r.times);
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v) * 1000]));
for (const [k, v] of Object.entries(times)) {
  console.log(`${k.padEnd(14)} median ${med[k].toFixed(0)} ms  (min ${(Math.min(...v) * 1000).toFixed(0)}, max ${(Math.max(...v) * 1000).toFixed(0)}, ${v.length} runs)`);
}
console.log(`ratio rkt run / bare QEMU: ${(med["rkt run (kvm)"] / med["bare QEMU"]).toFixed(2)} (goal <= 1.15)`);
const t = fs.readFileSync(`${dir}/timings.txt`, "utf8");
const field = (name) => [...t.matchAll(new RegExp(`^${name} (-?\\d+)$`, "gm"))].map((m) => Number(m[1])).filter((n) => n >= 0);
console.log(`boot-to-app (QEMU start -> the pod init starts the app): median ${median(field("ready-ms"))} ms` +
  ` (guest kernel uptime then: ${median(field("guest-uptime-at-ready-ms"))} ms)`);
console.log(`QEMU start -> the pod exit code on the host: median ${median(field("exit-code-ms"))} ms; -> QEMU gone: ${median(field("qemu-exit-ms"))} ms`);
' "$work" "$RUNS"
