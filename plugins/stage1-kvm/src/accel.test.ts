import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { chooseAccel, probeKvm } from "./accel.js";

describe("KVM or TCG", () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
  /** A fake root: /dev/kvm as a plain file, the given /sys/module entries, cpuinfo flags. */
  function root(opts: { kvm: boolean; modules?: string[]; flags?: string }): string {
    const r = mkdtempSync(join(tmpdir(), "rkt-kvm-accel-"));
    roots.push(r);
    mkdirSync(join(r, "dev"));
    mkdirSync(join(r, "proc"));
    if (opts.kvm) writeFileSync(join(r, "dev/kvm"), "");
    for (const m of opts.modules ?? []) mkdirSync(join(r, "sys/module", m), { recursive: true });
    writeFileSync(join(r, "proc/cpuinfo"), `processor\t: 0\nflags\t\t: fpu ${opts.flags ?? ""} sse2\n`);
    return r;
  }

  test("no /dev/kvm: TCG", () => {
    expect(probeKvm(root({ kvm: false }))).toMatchObject({ usable: false, reason: "no /dev/kvm" });
  });

  test("a hardware KVM backend: usable", () => {
    expect(probeKvm(root({ kvm: true, modules: ["kvm", "kvm_intel"] })).usable).toBe(true);
    expect(probeKvm(root({ kvm: true, modules: ["kvm"], flags: "svm" })).usable).toBe(true);
  });

  test("kvm_pvm (nested, no VMX/SVM) is not: it runs only PVM guest kernels", () => {
    expect(probeKvm(root({ kvm: true, modules: ["kvm", "kvm_pvm"] }))).toMatchObject({ usable: false, reason: expect.stringMatching(/kvm_pvm/) });
    expect(probeKvm(root({ kvm: true, modules: ["kvm"] })).usable).toBe(false);
  });

  test("the setting forces either; auto follows the probe", () => {
    const no = () => ({ usable: false, reason: "no /dev/kvm" });
    const yes = () => ({ usable: true, reason: "/dev/kvm (kvm_amd)" });
    expect(chooseAccel("auto", no)).toEqual({ accel: "tcg", reason: "TCG emulation: no /dev/kvm" });
    expect(chooseAccel("auto", yes).accel).toBe("kvm");
    expect(chooseAccel("kvm", no).accel).toBe("kvm");
    expect(chooseAccel("tcg", yes).accel).toBe("tcg");
  });
});
