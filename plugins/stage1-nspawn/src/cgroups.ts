// The pod's cgroups. Each pod lives in /sys/fs/cgroup/<hierarchy>/rkt/<uuid> in every
// cgroup hierarchy (v1 controllers, name=systemd, the unified one), so that it is tracked
// and removed as a whole: systemd-nspawn puts its own "payload" and "supervisor" cgroups
// below the cgroup it starts in, and rkt gc removes the pod's tree.
//
// Apps with resource isolators get a cgroup of their own below, <pod>/apps/<app>, in the
// hierarchy that has the controller: a cgroup v1 hierarchy (memory, cpu), else the unified
// hierarchy when its cgroup.controllers lists it (memory.max, cpu.max, cpu.weight). The apps'
// cgroups are bound into the stage1 root (rkt/cgroup/<hierarchy>), where the pod's init
// moves each app into its own. A limit no hierarchy can enforce is reported, not skipped
// silently.
import { safeJoin } from "@rkt/stage1-api";
import type { AppIsolation } from "@rkt/stage1-kit";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { IN_POD } from "./layout.js";

export interface Hierarchy {
  version: 1 | 2;
  /** Where it is mounted, e.g. /sys/fs/cgroup/memory or /sys/fs/cgroup/unified. */
  mount: string;
  /** v1: the controllers bound to it (name=systemd included); v2: cgroup.controllers. */
  controllers: string[];
}

const V1_OPTIONS_NOT_CONTROLLERS = new Set(["rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode", "favordynmods"]);

/** The cgroup hierarchies mounted on this host, from a mountinfo text. */
export function parseHierarchies(mountinfo: string, readControllers: (mount: string) => string[]): Hierarchy[] {
  const out: Hierarchy[] = [];
  const seen = new Set<string>();
  for (const line of mountinfo.split("\n")) {
    const dash = line.indexOf(" - ");
    if (dash < 0) continue;
    const pre = line.slice(0, dash).split(" ");
    const [fstype, , superOpts = ""] = line.slice(dash + 3).split(" ");
    // Only mounts of a hierarchy's root: bind mounts of sub-cgroups are not hierarchies.
    if (pre[3] !== "/" || !pre[4]) continue;
    const mount = pre[4].replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (fstype === "cgroup") {
      const controllers = superOpts.split(",").filter((o) => !V1_OPTIONS_NOT_CONTROLLERS.has(o) && !o.startsWith("release_agent="));
      const key = `v1:${controllers.sort().join(",")}`;
      if (controllers.length === 0 || seen.has(key)) continue;
      seen.add(key);
      out.push({ version: 1, mount, controllers });
    } else if (fstype === "cgroup2") {
      if (seen.has("v2")) continue;
      seen.add("v2");
      out.push({ version: 2, mount, controllers: readControllers(mount) });
    }
  }
  return out;
}

export function hostHierarchies(): Hierarchy[] {
  return parseHierarchies(readFileSync("/proc/self/mountinfo", "utf8"), (mount) => {
    try {
      return readFileSync(join(mount, "cgroup.controllers"), "utf8").trim().split(/\s+/).filter(Boolean);
    } catch {
      return [];
    }
  });
}

/** The pod's cgroup below the root of every hierarchy. */
export function podCgroupPath(uuid: string): string {
  return safeJoin("rkt", [uuid], "pod UUID");
}

export function podCgroup(h: Hierarchy, uuid: string): string {
  return join(h.mount, podCgroupPath(uuid));
}

/**
 * The cgroup the pod's process joins in a hierarchy. In the unified hierarchy a cgroup with
 * controllers enabled for its children may not hold processes, so the pod process sits in
 * a leaf beside the apps' cgroups.
 */
export function podProcessCgroup(h: Hierarchy, uuid: string): string {
  return h.version === 2 ? join(podCgroup(h, uuid), "pod") : podCgroup(h, uuid);
}

/** Hierarchies the pod joins: all but cpuset, whose new cgroups start without CPUs or memory nodes. */
export function joinable(hs: Hierarchy[]): Hierarchy[] {
  return hs.filter((h) => !(h.version === 1 && h.controllers.includes("cpuset")));
}

export interface CgroupFile {
  /** A directory relative to the pod's cgroup, e.g. apps/web. */
  dir: string;
  file: string;
  value: string;
}

export interface CgroupPlan {
  /** Host cgroup directories the pod's process joins. */
  join: string[];
  /** Directories to create, host paths, parents first. */
  mkdirs: string[];
  /** Files to write (controller enabling and limits), in order, host paths. */
  writes: { path: string; value: string }[];
  /** Host directories bound into the stage1 root (the apps' parent cgroups). */
  binds: { source: string; inPod: string }[];
  /** For each app, the cgroup directories (in the pod) its process joins. */
  apps: Map<string, string[]>;
  /**
   * The device policy of the pod's cgroup in the unified hierarchy (a BPF program the pod's
   * process attaches, cgroup2 having no devices files): its directory and the devices allowed,
   * as the helper's spec writes them (c:1:3:rwm).
   */
  devices?: { dir: string; rules: string[] };
  /**
   * Whether apps are placed in cgroups of the unified hierarchy. Moving a process between
   * cgroup2 cgroups needs both inside the mover's cgroup namespace, so the pod then shares
   * the host's cgroup namespace (nspawn's SYSTEMD_NSPAWN_USE_CGNS=0, as rkt did).
   */
  unifiedApps: boolean;
  warnings: string[];
}

interface Limit {
  controller: "memory" | "cpu";
  isolator: string;
  v1: { file: string; value: string }[];
  v2: { file: string; value: string }[];
}

const CFS_PERIOD_US = 100_000n;

function limitsOf(iso: AppIsolation): Limit[] {
  const out: Limit[] = [];
  if (iso.memoryLimit !== undefined) {
    const v = iso.memoryLimit.toString();
    out.push({ controller: "memory", isolator: "resource/memory", v1: [{ file: "memory.limit_in_bytes", value: v }], v2: [{ file: "memory.max", value: v }] });
  }
  if (iso.cpuLimitMilli !== undefined) {
    // systemd's CPUQuota= as rkt set it: limit/1000 CPUs per 100 ms period, at least 1 ms.
    let quota = (iso.cpuLimitMilli * CFS_PERIOD_US) / 1000n;
    if (quota < 1000n) quota = 1000n;
    out.push({
      controller: "cpu",
      isolator: "resource/cpu",
      v1: [
        { file: "cpu.cfs_period_us", value: CFS_PERIOD_US.toString() },
        { file: "cpu.cfs_quota_us", value: quota.toString() },
      ],
      v2: [{ file: "cpu.max", value: `${quota} ${CFS_PERIOD_US}` }],
    });
  }
  if (iso.cpuShares !== undefined) {
    // systemd's conversion of CPUShares= to CPUWeight=.
    const weight = 1 + Math.floor(((iso.cpuShares - 2) * 9999) / 262142);
    out.push({
      controller: "cpu",
      isolator: "os/linux/cpu-shares",
      v1: [{ file: "cpu.shares", value: String(iso.cpuShares) }],
      v2: [{ file: "cpu.weight", value: String(weight) }],
    });
  }
  return out;
}

/**
 * The devices a pod may create and open, as systemd's DevicePolicy=closed that rkt's apps
 * ran with: the nodes systemd-nspawn makes in the pod's /dev (null, zero, full, random,
 * urandom, tty, console, ptmx, net/tun) and the terminals of its devpts. No disks: an app
 * with CAP_MKNOD cannot make a node of a host disk and read it. Written to the devices
 * hierarchy of cgroup v1, and as a BPF program on the pod's cgroup in the unified hierarchy
 * (both where both exist: the kernel checks each).
 */
export const POD_DEVICES: readonly string[] = [
  "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
  "c 5:0 rwm", "c 10:200 rwm",
  // Terminals are opened, never made (nspawn makes /dev/ptmx a symlink to pts/ptmx), as
  // systemd's "char-pts rw": rkt's TestDevices wants mknod of the old ptmx to fail.
  "c 5:1 rw", "c 5:2 rw", "c 136:* rw",
];

export interface CgroupOptions {
  /** The pod may use POD_DEVICES only (cgroup v1 and v2); off with --insecure-options=paths, as in rkt. */
  devicePolicy: boolean;
  /** More devices the policy allows: the device nodes the apps get as volumes (volumeDevices). */
  extraDevices?: readonly string[];
}

/**
 * The devices given to apps as host volumes, as rkt's DeviceAllow= lines for them: read, and
 * write unless the volume is read-only ("c 10:237 rw").
 */
export function volumeDevices(mounts: readonly { source: string; readOnly: boolean; volume: { kind: string } }[]): string[] {
  const out: string[] = [];
  for (const m of mounts) {
    if (m.volume.kind !== "host") continue;
    let st;
    try {
      st = statSync(m.source);
    } catch {
      continue; // the helper reports a missing source
    }
    if (!st.isCharacterDevice() && !st.isBlockDevice()) continue;
    // glibc's major()/minor() of a 64-bit dev_t.
    const dev = BigInt(st.rdev);
    const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
    const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
    out.push(`${st.isCharacterDevice() ? "c" : "b"} ${major}:${minor} r${m.readOnly ? "" : "w"}`);
  }
  return out;
}

/** "c 1:3 rwm" as the helper's devices directive takes it: "c:1:3:rwm". */
export function deviceRule(rule: string): string {
  return rule.replace(/ /g, ":");
}

export function planCgroups(
  uuid: string,
  hierarchies: Hierarchy[],
  apps: { name: string; isolation: AppIsolation }[],
  opts: CgroupOptions = { devicePolicy: true },
): CgroupPlan {
  const plan: CgroupPlan = { join: [], mkdirs: [], writes: [], binds: [], apps: new Map(), unifiedApps: false, warnings: [] };
  const joined = joinable(hierarchies);
  for (const h of joined) {
    plan.mkdirs.push(podProcessCgroup(h, uuid));
    plan.join.push(podProcessCgroup(h, uuid));
    // Before any process joins: a cgroup with processes or children cannot switch to deny-all.
    if (opts.devicePolicy && h.version === 1 && h.controllers.includes("devices")) {
      const dir = podCgroup(h, uuid);
      plan.writes.push({ path: join(dir, "devices.deny"), value: "a" });
      for (const d of [...POD_DEVICES, ...(opts.extraDevices ?? [])]) plan.writes.push({ path: join(dir, "devices.allow"), value: d });
    }
  }
  const v2 = joined.find((h) => h.version === 2);
  if (opts.devicePolicy && v2) plan.devices = { dir: podCgroup(v2, uuid), rules: [...POD_DEVICES, ...(opts.extraDevices ?? [])].map(deviceRule) };
  const v2Enabled = new Set<string>();
  const bound = new Set<Hierarchy>();
  for (const app of apps) {
    const dirs: string[] = [];
    const perHierarchy = new Map<Hierarchy, { file: string; value: string }[]>();
    for (const limit of limitsOf(app.isolation)) {
      const h1 = joined.find((h) => h.version === 1 && h.controllers.includes(limit.controller));
      const h = h1 ?? (v2?.controllers.includes(limit.controller) ? v2 : undefined);
      if (!h) {
        plan.warnings.push(
          `app ${app.name}: ${limit.isolator} is not enforced: no cgroup hierarchy has the ${limit.controller} controller (neither a cgroup v1 hierarchy nor the unified hierarchy's cgroup.controllers)`,
        );
        continue;
      }
      if (h.version === 2) v2Enabled.add(limit.controller);
      perHierarchy.set(h, [...(perHierarchy.get(h) ?? []), ...(h.version === 1 ? limit.v1 : limit.v2)]);
    }
    for (const [h, files] of perHierarchy) {
      const appsDir = join(podCgroup(h, uuid), "apps");
      const dir = safeJoin(appsDir, [app.name], "app name");
      plan.mkdirs.push(dir);
      for (const f of files) plan.writes.push({ path: join(dir, f.file), value: f.value });
      const inPod = `${IN_POD.cgroups}/${h.version === 2 ? "unified" : basename(h.mount)}`;
      if (!bound.has(h)) {
        bound.add(h);
        plan.binds.push({ source: appsDir, inPod });
      }
      dirs.push(safeJoin(inPod, [app.name], "app name"));
    }
    if (dirs.length > 0) plan.apps.set(app.name, dirs);
  }
  if (v2 && v2Enabled.size > 0) {
    plan.unifiedApps = true;
    // Controllers must be enabled on every level above the apps' cgroups, top down; this
    // goes before the limits are written (the limit files appear once it is enabled).
    const enable = [...v2Enabled].map((c) => `+${c}`).join(" ");
    const pod = podCgroup(v2, uuid);
    const levels = [v2.mount, join(v2.mount, "rkt"), pod, join(pod, "apps")];
    plan.writes.unshift(...levels.map((l) => ({ path: join(l, "cgroup.subtree_control"), value: enable })));
  }
  return plan;
}

/** Creates the planned cgroups and writes their limits. Errors name the file. */
export function applyCgroupPlan(plan: CgroupPlan): void {
  for (const d of plan.mkdirs) {
    try {
      mkdirSync(d, { recursive: true });
    } catch (err) {
      // The shared rkt/ parent can vanish under us when gc removes the last other pod.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      mkdirSync(d, { recursive: true });
    }
  }
  for (const w of plan.writes) {
    try {
      writeFileSync(w.path, w.value);
    } catch (err) {
      throw new Error(`cannot write ${JSON.stringify(w.value)} to ${w.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
}

/** Every cgroup directory at or below dir, deepest first. */
function treeDeepestFirst(dir: string): string[] {
  const out: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return out;
  }
  for (const e of entries) out.push(...treeDeepestFirst(join(dir, e)));
  out.push(dir);
  return out;
}

function procs(dir: string): number[] {
  try {
    return readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Removes the pod's cgroups in every hierarchy. Processes still in them belong to the pod
 * (a pod stopped with SIGKILL can leave an app's daemon behind): they are killed first.
 * Returns the directories that could not be removed.
 */
export async function removePodCgroups(uuid: string, hierarchies: Hierarchy[] = hostHierarchies()): Promise<string[]> {
  const roots = hierarchies.map((h) => podCgroup(h, uuid)).filter((d) => existsSync(d));
  const dirs = roots.flatMap((r) => treeDeepestFirst(r));
  const deadline = Date.now() + 3000;
  for (;;) {
    const left = dirs.flatMap(procs);
    if (left.length === 0 || Date.now() > deadline) break;
    for (const pid of new Set(left)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone already */
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const failed: string[] = [];
  for (const d of dirs) {
    try {
      rmdirSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") failed.push(d);
    }
  }
  // The shared rkt/ parent goes once its last pod is gone.
  for (const h of hierarchies) {
    try {
      rmdirSync(join(h.mount, "rkt"));
    } catch {
      /* other pods, or never made */
    }
  }
  return failed;
}
