import { describe, expect, test } from "vitest";
import { hostTscKhz, isPodQemu, kernelCmdline, qemuArgv, type QemuPlan } from "./qemu.js";

const plan: QemuPlan = {
  uuid: "0b6c6a5e-1111-4222-8333-944455556666",
  accel: "tcg",
  cpus: 1,
  memoryMiB: 256,
  kernel: "/cache/vmlinux/k",
  initramfs: "/cache/initramfs/i.cpio",
  cmdline: "quiet -- vm-guest",
  share: "/var/lib/rkt/pods/run/x/stage1/rootfs",
  network: { kind: "none" },
};

function opt(argv: string[], name: string): string[] {
  return argv.flatMap((a, i) => (a === name ? [argv[i + 1]!] : []));
}

describe("qemuArgv", () => {
  test("microvm, the sizes, the kernel, and the pod's name for gc's check", () => {
    const argv = qemuArgv(plan);
    expect(argv[0]).toBe("qemu-system-x86_64");
    expect(opt(argv, "-M")).toEqual(["microvm"]);
    expect(opt(argv, "-accel")).toEqual(["tcg"]);
    expect(opt(argv, "-cpu")).toEqual([]);
    expect(opt(argv, "-smp")).toEqual(["1"]);
    expect(opt(argv, "-m")).toEqual(["256M"]);
    expect(opt(argv, "-kernel")).toEqual(["/cache/vmlinux/k"]);
    expect(opt(argv, "-append")).toEqual(["quiet -- vm-guest"]);
    expect(argv).toContain("-no-reboot");
    expect(argv).toContain("-nodefaults");
    expect(isPodQemu(argv.join("\0") + "\0", plan.uuid)).toBe(true);
    expect(isPodQemu(argv.join("\0"), "0b6c6a5e-1111-4222-8333-000000000000")).toBe(false);
  });

  test("the 9p share keeps owners (passthrough) and spans mounts; the control channel is fd 3", () => {
    const argv = qemuArgv({ ...plan, share: "/odd,path" });
    expect(opt(argv, "-fsdev")).toEqual(["local,id=root,path=/odd,,path,security_model=passthrough,multidevs=remap"]);
    expect(opt(argv, "-device")).toContain("virtio-9p-device,fsdev=root,mount_tag=rkt.root");
    expect(opt(argv, "-chardev")).toEqual(["socket,id=console,fd=4", "socket,id=control,fd=3"]);
    expect(opt(argv, "-device")).toContain("virtserialport,chardev=control,name=rkt.control");
  });

  test("networks: none has no card, slirp a virtio-net one; kvm takes the host's CPU", () => {
    expect(opt(qemuArgv(plan), "-netdev")).toEqual([]);
    const slirp = qemuArgv({ ...plan, network: { kind: "slirp" }, accel: "kvm", cpus: 2 });
    expect(opt(slirp, "-netdev")).toEqual(["user,id=net0"]);
    expect(opt(slirp, "-device")).toContain("virtio-net-device,netdev=net0");
    expect(opt(slirp, "-cpu")).toEqual(["host"]);
    expect(opt(slirp, "-smp")).toEqual(["2"]);
  });
});

describe("kernelCmdline", () => {
  test("TCG gets the TSC frequency (microvm hangs without it now and then)", () => {
    const c = kernelCmdline({ accel: "tcg", tscKhz: 2596120, verbose: false });
    expect(c).toMatch(/ tsc_early_khz=2596120 /);
    expect(c).toMatch(/(^| )quiet( |$)/);
    expect(c).toMatch(/panic=-1 reboot=t/);
    expect(c).toMatch(/ cryptomgr.notests /);
    expect(c.endsWith(" -- vm-guest")).toBe(true);
  });

  test("KVM does not; verbose shows kernel messages and the init's timings", () => {
    const c = kernelCmdline({ accel: "kvm", verbose: true });
    expect(c).not.toMatch(/tsc_early_khz/);
    expect(c).not.toMatch(/quiet/);
    expect(c.endsWith(" -- vm-guest debug")).toBe(true);
  });

  test("hostTscKhz reads cpu MHz", () => {
    expect(hostTscKhz("processor\t: 0\ncpu MHz\t\t: 2596.120\n")).toBe(2596120);
    expect(hostTscKhz("processor\t: 0\n")).toBeUndefined();
  });
});
