import { describe, expect, test } from "vitest";
import { parseHierarchies, planCgroups, volumeDevices, type Hierarchy } from "./cgroups.js";

// /proc/self/mountinfo of a hybrid host like the one rkt-ts is developed on (shortened).
const HYBRID = [
  "24 1 0:21 / /sys rw,nosuid - sysfs sysfs rw",
  "30 24 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
  "31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
  "32 30 0:28 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct",
  "33 30 0:29 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset",
  "34 30 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
  "35 30 0:31 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd",
  "36 30 0:32 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
  "90 80 0:30 /rkt/x/apps /var/pod/rkt/cgroup/memory rw - cgroup cgroup rw,memory",
].join("\n");

const iso = { capabilities: [] as string[], noNewPrivileges: false };

describe("cgroup hierarchies", () => {
  test("parses v1 controllers, name=systemd and the unified mount; ignores binds of sub-cgroups", () => {
    const hs = parseHierarchies(HYBRID, () => ["hugetlb"]);
    expect(hs.map((h) => [h.version, h.mount, h.controllers.join(",")])).toEqual([
      [1, "/sys/fs/cgroup/cpu", "cpu"],
      [1, "/sys/fs/cgroup/cpuacct", "cpuacct"],
      [1, "/sys/fs/cgroup/cpuset", "cpuset"],
      [1, "/sys/fs/cgroup/memory", "memory"],
      [1, "/sys/fs/cgroup/systemd", "name=systemd"],
      [2, "/sys/fs/cgroup/unified", "hugetlb"],
    ]);
  });
});

describe("planCgroups", () => {
  const hybrid = parseHierarchies(HYBRID, () => ["hugetlb"]);

  test("the pod joins rkt/<uuid> everywhere but cpuset (a leaf in the unified hierarchy)", () => {
    const plan = planCgroups("u", hybrid, [{ name: "a", isolation: iso }]);
    expect(plan.join).toEqual([
      "/sys/fs/cgroup/cpu/rkt/u",
      "/sys/fs/cgroup/cpuacct/rkt/u",
      "/sys/fs/cgroup/memory/rkt/u",
      "/sys/fs/cgroup/systemd/rkt/u",
      "/sys/fs/cgroup/unified/rkt/u/pod",
    ]);
    expect(plan.apps.size).toBe(0);
    expect(plan.binds).toEqual([]);
    expect(plan.warnings).toEqual([]);
  });

  test("the devices hierarchy limits the pod to its usual nodes, unless paths are insecure", () => {
    const withDevices: Hierarchy[] = [...hybrid, { version: 1, mount: "/sys/fs/cgroup/devices", controllers: ["devices"] }];
    const plan = planCgroups("u", withDevices, []);
    expect(plan.writes[0]).toEqual({ path: "/sys/fs/cgroup/devices/rkt/u/devices.deny", value: "a" });
    expect(plan.writes.map((w) => w.value)).toContain("c 136:* rw");
    expect(plan.writes.some((w) => /b 8/.test(w.value))).toBe(false);
    expect(planCgroups("u", withDevices, [], { devicePolicy: false }).writes).toEqual([]);
  });

  test("the unified hierarchy gets the same list as a BPF device policy on the pod's cgroup", () => {
    const plan = planCgroups("u", hybrid, []);
    expect(plan.devices?.dir).toBe("/sys/fs/cgroup/unified/rkt/u");
    expect(plan.devices?.rules).toContain("c:1:3:rwm");
    expect(plan.devices?.rules).toContain("c:136:*:rw");
    expect(plan.devices?.rules.some((r) => r.startsWith("b:"))).toBe(false);
    expect(planCgroups("u", hybrid, [], { devicePolicy: false }).devices).toBeUndefined();
    const v1Only = hybrid.filter((h) => h.version === 1);
    expect(planCgroups("u", v1Only, []).devices).toBeUndefined();
  });

  test("device nodes given as host volumes are allowed, read-only ones for reading only", () => {
    const host = { kind: "host" };
    const devices = volumeDevices([
      { source: "/dev/null", readOnly: false, volume: host },
      { source: "/dev/zero", readOnly: true, volume: host },
      { source: "/etc", readOnly: false, volume: host },
      { source: "/dev/null", readOnly: false, volume: { kind: "empty" } },
    ]);
    expect(devices).toEqual(["c 1:3 rw", "c 1:5 r"]);
    const withDevices: Hierarchy[] = [...hybrid, { version: 1, mount: "/sys/fs/cgroup/devices", controllers: ["devices"] }];
    const plan = planCgroups("u", withDevices, [], { devicePolicy: true, extraDevices: ["c 10:237 rw"] });
    expect(plan.writes.map((w) => w.value)).toContain("c 10:237 rw");
    expect(plan.devices?.rules).toContain("c:10:237:rw");
  });

  test("v1 limits: memory, cfs quota and shares in the app's cgroups, bound into the pod", () => {
    const plan = planCgroups("u", hybrid, [
      { name: "a", isolation: { ...iso, memoryLimit: 16n << 20n, cpuLimitMilli: 250n, cpuShares: 512 } },
      { name: "b", isolation: { ...iso, cpuLimitMilli: 5n } },
    ]);
    expect(plan.writes).toEqual([
      { path: "/sys/fs/cgroup/memory/rkt/u/apps/a/memory.limit_in_bytes", value: "16777216" },
      { path: "/sys/fs/cgroup/cpu/rkt/u/apps/a/cpu.cfs_period_us", value: "100000" },
      { path: "/sys/fs/cgroup/cpu/rkt/u/apps/a/cpu.cfs_quota_us", value: "25000" },
      { path: "/sys/fs/cgroup/cpu/rkt/u/apps/a/cpu.shares", value: "512" },
      { path: "/sys/fs/cgroup/cpu/rkt/u/apps/b/cpu.cfs_period_us", value: "100000" },
      { path: "/sys/fs/cgroup/cpu/rkt/u/apps/b/cpu.cfs_quota_us", value: "1000" },
    ]);
    expect(plan.binds).toEqual([
      { source: "/sys/fs/cgroup/memory/rkt/u/apps", inPod: "/rkt/cgroup/memory" },
      { source: "/sys/fs/cgroup/cpu/rkt/u/apps", inPod: "/rkt/cgroup/cpu" },
    ]);
    expect(plan.apps.get("a")).toEqual(["/rkt/cgroup/memory/a", "/rkt/cgroup/cpu/a"]);
    expect(plan.unifiedApps).toBe(false);
  });

  test("cgroup v2: limits in the unified hierarchy, controllers enabled top down", () => {
    const v2: Hierarchy[] = [{ version: 2, mount: "/sys/fs/cgroup", controllers: ["cpu", "memory", "pids"] }];
    const plan = planCgroups("u", v2, [{ name: "a", isolation: { ...iso, memoryLimit: 1024n, cpuLimitMilli: 1500n, cpuShares: 1024 } }]);
    expect(plan.join).toEqual(["/sys/fs/cgroup/rkt/u/pod"]);
    expect(plan.writes).toEqual([
      { path: "/sys/fs/cgroup/cgroup.subtree_control", value: "+memory +cpu" },
      { path: "/sys/fs/cgroup/rkt/cgroup.subtree_control", value: "+memory +cpu" },
      { path: "/sys/fs/cgroup/rkt/u/cgroup.subtree_control", value: "+memory +cpu" },
      { path: "/sys/fs/cgroup/rkt/u/apps/cgroup.subtree_control", value: "+memory +cpu" },
      { path: "/sys/fs/cgroup/rkt/u/apps/a/memory.max", value: "1024" },
      { path: "/sys/fs/cgroup/rkt/u/apps/a/cpu.max", value: "150000 100000" },
      { path: "/sys/fs/cgroup/rkt/u/apps/a/cpu.weight", value: "39" },
    ]);
    expect(plan.binds).toEqual([{ source: "/sys/fs/cgroup/rkt/u/apps", inPod: "/rkt/cgroup/unified" }]);
    expect(plan.unifiedApps).toBe(true);
  });

  test("a missing controller is a warning naming the isolator, not a silent skip", () => {
    const noMemory = hybrid.filter((h) => !h.controllers.includes("memory"));
    const plan = planCgroups("u", noMemory, [{ name: "web", isolation: { ...iso, memoryLimit: 1n << 30n } }]);
    expect(plan.warnings).toEqual([
      "app web: resource/memory is not enforced: no cgroup hierarchy has the memory controller (neither a cgroup v1 hierarchy nor the unified hierarchy's cgroup.controllers)",
    ]);
    expect(plan.writes).toEqual([]);
  });
});
