#!/usr/bin/env node
// A pod of 100 apps on the nspawn stage1 (each `sleep`, image in the store): how long until
// every app runs (from `rkt run` to the init's ready mark), and the resident memory of the
// pod's own processes, systemd-nspawn and the init, apps excluded (goal: under 8 MB; rkt's
// nspawn pods carried about 8-9 MB). A one-app pod is measured the same way for comparison.
// Usage: node bench/nspawn-100-apps.mjs [runs]   (RUNS env also works; default 5)
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.argv[2] ?? process.env.RUNS ?? 5);
const APPS = 100;
const work = mkdtempSync(join(tmpdir(), "rkt-bench-100-"));
const rktArgs = [`--dir=${join(work, "data")}`];
const rkt = (args, opts = {}) => execFileSync(join(REPO, "bin/rkt"), [...rktArgs, ...args], { encoding: "utf8", ...opts });

function buildImage() {
  const root = join(work, "aci", "rootfs");
  mkdirSync(join(root, "bin"), { recursive: true });
  mkdirSync(join(root, "etc"));
  copyFileSync("/bin/busybox", join(root, "bin/busybox"));
  chmodSync(join(root, "bin/busybox"), 0o755);
  symlinkSync("busybox", join(root, "bin/sleep"));
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\n");
  const manifest = {
    acKind: "ImageManifest", acVersion: "0.8.11", name: "example.com/sleeper",
    labels: [{ name: "os", value: "linux" }, { name: "arch", value: "amd64" }],
    app: { exec: ["/bin/sleep", "3600"], user: "0", group: "0" },
  };
  writeFileSync(join(work, "aci", "manifest"), JSON.stringify(manifest));
  execFileSync("tar", ["-C", join(work, "aci"), "-czf", join(work, "sleeper.aci"), "manifest", "rootfs"]);
  return rkt(["--insecure-options=image", "fetch", join(work, "sleeper.aci")], { stdio: ["ignore", "pipe", "ignore"] }).trim();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function kb(pid, file, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/${file}`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

/** Starts a pod of `n` apps, waits until all run; returns the time and the memory of nspawn and init. */
async function measure(id, n) {
  const uuidFile = join(work, `uuid-${Math.random().toString(36).slice(2)}`);
  const apps = [];
  for (let i = 0; i < n; i++) apps.push(id, `--name=app${i}`);
  const t0 = performance.now();
  const child = spawn(join(REPO, "bin/rkt"), [...rktArgs, "run", `--uuid-file-save=${uuidFile}`, ...apps], { stdio: "ignore" });
  let uuid;
  let ready = false;
  while (!ready) {
    await sleep(2);
    try {
      uuid ??= readFileSync(uuidFile, "utf8") || undefined;
      if (uuid) ready = lstatSync(join(work, "data/pods/run", uuid, "stage1/rootfs/rkt/supervisor-status")).isSymbolicLink();
    } catch {
      /* not yet */
    }
    if (performance.now() - t0 > 60_000) throw new Error("the pod did not start within 60 s");
  }
  const ms = performance.now() - t0;
  const nspawn = Number(readFileSync(join(work, "data/pods/run", uuid, "ppid"), "utf8"));
  const init = Number(readFileSync(`/proc/${nspawn}/task/${nspawn}/children`, "utf8").trim());
  const mem = {
    nspawnRss: kb(nspawn, "status", "VmRSS"),
    initRss: kb(init, "status", "VmRSS"),
    nspawnPss: kb(nspawn, "smaps_rollup", "Pss"),
    initPss: kb(init, "smaps_rollup", "Pss"),
    apps: readFileSync(`/proc/${init}/task/${init}/children`, "utf8").trim().split(/\s+/).length,
  };
  rkt(["stop", "--force", uuid]);
  await new Promise((r) => child.on("close", r));
  return { ms, ...mem };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const id = buildImage();
  await measure(id, 1); // warm-up: caches, the store's tree
  const one = [];
  const many = [];
  for (let i = 0; i < RUNS; i++) {
    one.push(await measure(id, 1));
    many.push(await measure(id, APPS));
  }
  for (const [label, rs] of [["1 app", one], [`${APPS} apps`, many]]) {
    const m = (k) => median(rs.map((r) => r[k]));
    const rss = (m("nspawnRss") + m("initRss")) / 1024;
    console.log(
      `${label.padEnd(9)} start median ${m("ms").toFixed(0)} ms; apps running ${m("apps")}; ` +
        `RSS nspawn ${(m("nspawnRss") / 1024).toFixed(1)} MB + init ${(m("initRss") / 1024).toFixed(1)} MB = ${rss.toFixed(1)} MB (goal < 8 MB); ` +
        `PSS ${((m("nspawnPss") + m("initPss")) / 1024).toFixed(1)} MB`,
    );
  }
} finally {
  try {
    rkt(["gc", "--grace-period=0s"], { stdio: "ignore" });
  } catch {
    /* reported by gc itself */
  }
  if (!readFileSync("/proc/self/mountinfo", "utf8").includes(work)) rmSync(work, { recursive: true, force: true });
  else console.error(`mounts left below ${work}; not removed`);
}
