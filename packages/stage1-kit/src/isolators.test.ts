import { RKT_DEFAULT_CAPABILITIES } from "@rkt/appc";
import { describe, expect, test } from "vitest";
import { appIsolation, IsolatorError } from "./isolators.js";
import { DEFAULT_SECCOMP_WHITELIST, SECCOMP_NAMED_SETS } from "./seccomp-sets.js";

const root = { uid: 0, insecureCapabilities: false, insecureSeccomp: false };

describe("appIsolation", () => {
  test("rkt's defaults: 14 capabilities, the default whitelist (kill), no limits", () => {
    const iso = appIsolation("a", undefined, root);
    expect(iso.capabilities).toEqual(RKT_DEFAULT_CAPABILITIES);
    expect(iso.capabilities).toHaveLength(14);
    expect(iso.seccomp).toEqual({ mode: "retain", syscalls: [...DEFAULT_SECCOMP_WHITELIST] });
    expect(iso.noNewPrivileges).toBe(false);
    expect(iso.memoryLimit).toBeUndefined();
  });

  test("the default whitelist has what today's libc calls and lacks mount", () => {
    for (const s of ["read", "execve", "clone", "rseq", "clone3", "statx"]) expect(DEFAULT_SECCOMP_WHITELIST).toContain(s);
    for (const s of ["mount", "umount2", "reboot", "kexec_load", "open_tree"]) expect(DEFAULT_SECCOMP_WHITELIST).not.toContain(s);
    expect(SECCOMP_NAMED_SETS["@rkt/default-blacklist"]).toContain("mount");
  });

  test("capability retain and remove sets", () => {
    const retain = appIsolation("a", [{ name: "os/linux/capabilities-retain-set", value: { set: ["CAP_NET_ADMIN", "CAP_NET_ADMIN"] } }], root);
    expect(retain.capabilities).toEqual(["CAP_NET_ADMIN"]);
    const remove = appIsolation("a", [{ name: "os/linux/capabilities-remove-set", value: { set: ["CAP_MKNOD", "CAP_SYS_ADMIN"] } }], root);
    expect(remove.capabilities).toEqual(RKT_DEFAULT_CAPABILITIES.filter((c) => c !== "CAP_MKNOD"));
    expect(() =>
      appIsolation("a", [
        { name: "os/linux/capabilities-retain-set", value: { set: ["CAP_CHOWN"] } },
        { name: "os/linux/capabilities-remove-set", value: { set: ["CAP_KILL"] } },
      ], root),
    ).toThrow(/cannot use both/);
    expect(appIsolation("a", undefined, { ...root, insecureCapabilities: true }).capabilities).toBe("all");
  });

  test("seccomp sets: wildcards, errno, opting out and in", () => {
    const retain = appIsolation("a", [{ name: "os/linux/seccomp-retain-set", value: { set: ["read", "@docker/default-whitelist"], errno: "EPERM" } }], root);
    expect(retain.seccomp?.mode).toBe("retain");
    expect(retain.seccomp?.errno).toBe("EPERM");
    expect(retain.seccomp?.syscalls).toContain("openat");
    expect(new Set(retain.seccomp!.syscalls).size).toBe(retain.seccomp!.syscalls.length);
    expect(appIsolation("a", [{ name: "os/linux/seccomp-retain-set", value: { set: ["@appc.io/all"] } }], root).seccomp).toBeUndefined();
    const empty = appIsolation("a", [{ name: "os/linux/seccomp-remove-set", value: { set: ["@appc.io/empty"] } }], root);
    expect(empty.seccomp).toEqual({ mode: "retain", syscalls: [...DEFAULT_SECCOMP_WHITELIST] });
    const remove = appIsolation("a", [{ name: "os/linux/seccomp-remove-set", value: { set: ["reboot", "@rkt/default-blacklist"], errno: "ENOSYS" } }], root);
    expect(remove.seccomp).toMatchObject({ mode: "remove", errno: "ENOSYS" });
    expect(remove.seccomp?.syscalls).toContain("mount");
    expect(() => appIsolation("a", [{ name: "os/linux/seccomp-retain-set", value: { set: ["@systemd/clock"] } }], root)).toThrow(IsolatorError);
    expect(appIsolation("a", undefined, { ...root, insecureSeccomp: true }).seccomp).toBeUndefined();
  });

  test("no_new_privs: the isolator, forced for non-root apps with a filter", () => {
    expect(appIsolation("a", [{ name: "os/linux/no-new-privileges", value: true }], root).noNewPrivileges).toBe(true);
    expect(appIsolation("a", undefined, { ...root, uid: 1000 }).noNewPrivileges).toBe(true);
    expect(appIsolation("a", undefined, { ...root, uid: 1000, insecureSeccomp: true }).noNewPrivileges).toBe(false);
  });

  test("resource limits, the last isolator of a kind winning", () => {
    const iso = appIsolation(
      "a",
      [
        { name: "resource/memory", value: { limit: "1G" } },
        { name: "resource/memory", value: { request: "16Mi", limit: "16Mi" } },
        { name: "resource/cpu", value: { limit: "500m" } },
        { name: "os/linux/cpu-shares", value: 512 },
        { name: "os/linux/oom-score-adj", value: -100 },
      ],
      root,
    );
    expect(iso.memoryLimit).toBe(16n * 1024n * 1024n);
    expect(iso.cpuLimitMilli).toBe(500n);
    expect(iso.cpuShares).toBe(512);
    expect(iso.oomScoreAdj).toBe(-100);
  });

  test("invalid isolators are errors that name the app", () => {
    expect(() => appIsolation("web", [{ name: "os/linux/cpu-shares", value: 1 }], root)).toThrow(/app web: isolators\[0\]\.value/);
    expect(() => appIsolation("web", [{ name: "os/linux/capabilities-retain-set", value: { set: ["NET_ADMIN"] } }], root)).toThrow(/did you mean CAP_NET_ADMIN/);
  });
});
