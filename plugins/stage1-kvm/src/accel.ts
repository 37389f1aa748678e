// KVM or TCG. /dev/kvm being there and opening is not enough: on this kind of host it can
// belong to kvm_pvm (a nested-virtualization module without VMX/SVM), which runs only
// PVM-enabled guest kernels; a standard kernel hangs in it. So KVM counts as usable when
// /dev/kvm opens read-write and the kernel's KVM backend is the hardware one (kvm_intel or
// kvm_amd) or the CPU advertises vmx/svm. The "accel" setting forces either choice.
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import type { Accel } from "./config.js";

export interface KvmProbe {
  usable: boolean;
  /** Why, in a few words (for --debug). */
  reason: string;
}

export function probeKvm(root = ""): KvmProbe {
  try {
    closeSync(openSync(`${root}/dev/kvm`, "r+"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { usable: false, reason: code === "ENOENT" ? "no /dev/kvm" : `cannot open /dev/kvm (${code})` };
  }
  for (const m of ["kvm_intel", "kvm_amd"]) {
    if (existsSync(`${root}/sys/module/${m}`)) return { usable: true, reason: `/dev/kvm (${m})` };
  }
  if (existsSync(`${root}/sys/module/kvm_pvm`)) {
    return { usable: false, reason: "/dev/kvm is kvm_pvm's, which runs only PVM-enabled guest kernels" };
  }
  let flags = "";
  try {
    flags = readFileSync(`${root}/proc/cpuinfo`, "utf8").match(/^flags\s*:(.*)$/m)?.[1] ?? "";
  } catch {
    /* no cpuinfo: assume nothing */
  }
  if (/\s(vmx|svm)(\s|$)/.test(flags)) return { usable: true, reason: "/dev/kvm (hardware virtualization)" };
  return { usable: false, reason: "/dev/kvm exists but the CPU shows no hardware virtualization (vmx/svm)" };
}

export interface AccelChoice {
  accel: "kvm" | "tcg";
  reason: string;
}

export function chooseAccel(want: Accel, probe: () => KvmProbe = probeKvm): AccelChoice {
  if (want === "tcg") return { accel: "tcg", reason: "accel=tcg is configured" };
  if (want === "kvm") return { accel: "kvm", reason: "accel=kvm is configured" };
  const p = probe();
  return p.usable ? { accel: "kvm", reason: p.reason } : { accel: "tcg", reason: `TCG emulation: ${p.reason}` };
}
