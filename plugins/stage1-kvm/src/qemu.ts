// QEMU's command line for a pod, and the guest kernel's. The machine is QEMU's microvm
// (no PCI, no firmware, virtio-mmio devices found through ACPI) booting the uncompressed
// kernel through PVH; these choices and the kernel arguments are the measured fast recipe
// (machine-probe section 4: about 2 s from QEMU's start to its exit under TCG).
//
// Devices:
//   - the stage1 root, shared over 9p (virtio-9p-device, tag rkt.root), security_model
//     passthrough: files keep their real owners, modes and symlinks both ways, so the apps
//     see the images' files as they are and a host volume's files belong to the users they
//     belong to. QEMU runs as root for that, but confined by the supervisor (vm.c): no
//     CAP_MKNOD, CAP_SETFCAP or CAP_FSETID and a seccomp filter refusing setuid and setgid
//     modes, so nothing the guest does leaves a device node, a setuid or setgid file or
//     file capabilities on the host (where a host user could use them in a host volume).
//     mapped-xattr would not need that, but cannot read the images' real symlinks;
//     multidevs=remap: the share spans mounts (the apps' overlays, volumes), whose inode
//     numbers would otherwise collide in the guest;
//   - one virtio-serial port, rkt.control, on a socket the supervisor passes as fd 3: the
//     apps' output, stdin, rkt enter and stop all cross it (vm.h);
//   - the serial console on fd 4 (kernel messages, logged by the supervisor);
//   - with the host's network: a virtio-net card on QEMU's user-mode network; with CNI
//     networks, one card per network on the tap wired to its interface (taps.ts).
import { readFileSync } from "node:fs";
import type { VmNetwork } from "./network.js";

export const QEMU_CTL_FD = 3;
export const QEMU_CON_FD = 4;
export const SHARE_TAG = "rkt.root";
export const CONTROL_PORT = "rkt.control";

export interface QemuPlan {
  uuid: string;
  accel: "kvm" | "tcg";
  cpus: number;
  memoryMiB: number;
  /** The vmlinux (PVH) or boot image. */
  kernel: string;
  initramfs: string;
  cmdline: string;
  /** The host directory shared as the guest's root (the pod's stage1 root). */
  share: string;
  network: VmNetwork;
}

/** The host's TSC frequency in kHz, from /proc/cpuinfo (TCG's guest TSC runs at the host's rate). */
export function hostTscKhz(cpuinfo?: string): number | undefined {
  let text = cpuinfo;
  try {
    text ??= readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return undefined;
  }
  const mhz = Number(text.match(/^cpu MHz\s*:\s*([0-9.]+)/m)?.[1]);
  return Number.isFinite(mhz) && mhz > 0 ? Math.round(mhz * 1000) : undefined;
}

export interface CmdlineOptions {
  accel: "kvm" | "tcg";
  /** The host's TSC frequency (TCG only). */
  tscKhz?: number;
  /** Kernel messages on the console (else only warnings and worse). */
  verbose: boolean;
}

export function kernelCmdline(o: CmdlineOptions): string {
  const args = [
    "console=ttyS0",
    // A failing init or a panic ends the VM at once: QEMU runs with -no-reboot.
    "panic=-1",
    "reboot=t",
    o.verbose ? "loglevel=7" : "quiet",
    // The crypto self-tests run at every boot and cost about 0.25 s under TCG; the VM is
    // disposable, its kernel the same build every time.
    "cryptomgr.notests",
    // Side-channel mitigations protect processes from one another inside the guest at a cost
    // under emulation; the boundary that matters is the hypervisor's.
    "mitigations=off",
    "8250.nr_uarts=1",
    "i8042.noaux",
    "i8042.nokbd",
    "i8042.nopnp",
  ];
  if (o.accel === "tcg") {
    // microvm has no HPET and no PM timer: under TCG the kernel may fail to calibrate the TSC
    // and hang for good, unless it is told the frequency. The guest TSC runs at the host's.
    args.push(`tsc_early_khz=${o.tscKhz ?? 2000000}`, "tsc=reliable", "no_timer_check", "lpj=5000000");
  }
  // Everything after "--" is the init's argv ("debug": its timings on the console).
  return [...args, "--", "vm-guest", ...(o.verbose ? ["debug"] : [])].join(" ");
}

/** QEMU's option values separate fields with commas: a comma in a value is written twice. */
function optValue(v: string): string {
  return v.replace(/,/g, ",,");
}

export function qemuArgv(p: QemuPlan): string[] {
  const argv = [
    "qemu-system-x86_64",
    "-name",
    `rkt-${p.uuid},debug-threads=off`,
    "-M",
    "microvm",
    "-accel",
    p.accel,
    ...(p.accel === "kvm" ? ["-cpu", "host"] : []),
    "-smp",
    String(p.cpus),
    "-m",
    `${p.memoryMiB}M`,
    "-nodefaults",
    "-no-user-config",
    // QEMU's own seccomp filter, on top of the supervisor's: no obsolete system calls, no
    // setuid/setgid/capset (it stays the root it was started as, with the supervisor's
    // bounded capabilities), no fork or exec, no scheduler or priority changes.
    "-sandbox",
    "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
    "-display",
    "none",
    "-no-reboot",
    "-kernel",
    p.kernel,
    "-initrd",
    p.initramfs,
    "-append",
    p.cmdline,
    "-chardev",
    `socket,id=console,fd=${QEMU_CON_FD}`,
    "-serial",
    "chardev:console",
    "-fsdev",
    `local,id=root,path=${optValue(p.share)},security_model=passthrough,multidevs=remap`,
    "-device",
    `virtio-9p-device,fsdev=root,mount_tag=${SHARE_TAG}`,
    "-device",
    "virtio-serial-device",
    "-chardev",
    `socket,id=control,fd=${QEMU_CTL_FD}`,
    "-device",
    `virtserialport,chardev=control,name=${CONTROL_PORT}`,
  ];
  if (p.network.kind === "slirp") argv.push("-netdev", "user,id=net0", "-device", "virtio-net-device,netdev=net0");
  if (p.network.kind === "tap") {
    p.network.nics.forEach((n, i) => {
      argv.push("-netdev", `tap,id=net${i},ifname=${n.tap},script=no,downscript=no`, "-device", `virtio-net-device,netdev=net${i},mac=${n.mac}`);
    });
  }
  return argv;
}

/** Whether a process's command line (from /proc/<pid>/cmdline) is the QEMU of pod uuid. */
export function isPodQemu(cmdline: string, uuid: string): boolean {
  const args = cmdline.split("\0");
  const i = args.indexOf("-name");
  return i >= 0 && (args[i + 1] ?? "").split(",")[0] === `rkt-${uuid}`;
}
