import { describe, expect, it } from "vitest";
import { AppcError } from "./errors.js";
import {
  capsFromFlag,
  capsIsolator,
  cpuIsolatorFromFlag,
  cpuSharesIsolatorFromFlag,
  memoryIsolatorFromFlag,
  oomScoreAdjIsolatorFromFlag,
  seccompFromFlag,
  seccompIsolator,
} from "./isolator-flags.js";
import { parseIsolator, validateIsolators } from "./isolators.js";
import { expectManifestError } from "./manifests.fixture.js";

const F = "app.isolators[0]";

describe("parseIsolator: known isolators", () => {
  it("resource/memory and resource/cpu carry exact quantities", () => {
    const mem = parseIsolator({ name: "resource/memory", value: { request: "1G", limit: "2Gi" } }, F);
    expect(mem.kind).toBe("memory");
    if (mem.kind !== "memory") throw new Error("unreachable");
    expect(mem.request!.value).toBe(1000000000n);
    expect(mem.limit!.value).toBe(2147483648n);

    const cpu = parseIsolator({ name: "resource/cpu", value: { request: "30m", limit: "1" } }, F);
    if (cpu.kind !== "cpu") throw new Error(`got ${cpu.kind}`);
    expect(cpu.request!.milliValue).toBe(30n);
    expect(cpu.limit!.milliValue).toBe(1000n);

    const onlyLimit = parseIsolator({ name: "resource/memory", value: { limit: "16Mi" } }, F);
    expect(onlyLimit).toMatchObject({ kind: "memory", limit: { value: 16777216n } });
    expect("request" in onlyLimit).toBe(false);
  });

  it("capabilities, no-new-privileges, oom-score-adj, cpu-shares", () => {
    expect(parseIsolator({ name: "os/linux/capabilities-retain-set", value: { set: ["CAP_KILL", "CAP_NET_ADMIN"] } }, F)).toEqual({
      kind: "capabilities-retain",
      name: "os/linux/capabilities-retain-set",
      set: ["CAP_KILL", "CAP_NET_ADMIN"],
    });
    expect(parseIsolator({ name: "os/linux/capabilities-remove-set", value: { set: ["CAP_MKNOD"] } }, F)).toMatchObject({
      kind: "capabilities-remove",
      set: ["CAP_MKNOD"],
    });
    expect(parseIsolator({ name: "os/linux/no-new-privileges", value: false }, F)).toMatchObject({ kind: "no-new-privileges", value: false });
    expect(parseIsolator({ name: "os/linux/oom-score-adj", value: -250 }, F)).toMatchObject({ kind: "oom-score-adj", value: -250 });
    expect(parseIsolator({ name: "os/linux/cpu-shares", value: 2 }, F)).toMatchObject({ kind: "cpu-shares", value: 2 });
  });

  it("seccomp sets with and without errno", () => {
    expect(parseIsolator({ name: "os/linux/seccomp-retain-set", value: { set: ["@rkt/default-whitelist", "read"], errno: "ENOSYS" } }, F)).toEqual({
      kind: "seccomp-retain",
      name: "os/linux/seccomp-retain-set",
      set: ["@rkt/default-whitelist", "read"],
      errno: "ENOSYS",
    });
    const rm = parseIsolator({ name: "os/linux/seccomp-remove-set", value: { set: ["reboot"] } }, F);
    expect(rm).toEqual({ kind: "seccomp-remove", name: "os/linux/seccomp-remove-set", set: ["reboot"] });
    expect(parseIsolator({ name: "os/linux/seccomp-remove-set", value: { set: ["reboot"], errno: "E2BIG" } }, F)).toMatchObject({ errno: "E2BIG" });
  });

  it("selinux, apparmor, bandwidth, sysctl", () => {
    expect(
      parseIsolator({ name: "os/linux/selinux-context", value: { user: "system_u", role: "system_r", type: "svirt_lxc_net_t", level: "s0:c1,c2" } }, F),
    ).toEqual({ kind: "selinux-context", name: "os/linux/selinux-context", user: "system_u", role: "system_r", type: "svirt_lxc_net_t", level: "s0:c1,c2" });
    expect(parseIsolator({ name: "os/linux/apparmor-profile", value: { profile: "docker-default" } }, F)).toMatchObject({ profile: "docker-default" });
    expect(parseIsolator({ name: "resource/block-bandwidth", value: { default: true, limit: "1G" } }, F)).toMatchObject({
      kind: "block-bandwidth",
      limit: { value: 1000000000n },
    });
    expect(parseIsolator({ name: "resource/block-iops", value: { default: true } }, F)).toEqual({ kind: "block-iops", name: "resource/block-iops" });
    expect(parseIsolator({ name: "resource/network-bandwidth", value: { default: true, limit: "1G" } }, F).kind).toBe("network-bandwidth");
    expect(parseIsolator({ name: "os/unix/sysctl", value: { "net.ipv4.tcp_rfc1337": "1" } }, F)).toEqual({
      kind: "sysctl",
      name: "os/unix/sysctl",
      values: { "net.ipv4.tcp_rfc1337": "1" },
    });
  });

  it("keeps unknown isolators as they are", () => {
    expect(parseIsolator({ name: "resource/network-ponies", value: 0 }, F)).toEqual({ kind: "unknown", name: "resource/network-ponies", value: 0 });
    expect(parseIsolator({ name: "example.com/x" }, F)).toEqual({ kind: "unknown", name: "example.com/x", value: undefined });
  });
});

describe("parseIsolator: invalid values name the field", () => {
  it.each([
    [{ name: "os/linux/cpu-shares", value: 1 }, `${F}.value`, "must be between 2 and 262144, got 1"],
    [{ name: "os/linux/cpu-shares", value: 262145 }, `${F}.value`, "got 262145"],
    [{ name: "os/linux/cpu-shares", value: "1024" }, `${F}.value`, "must be an integer, got string"],
    [{ name: "os/linux/oom-score-adj", value: -2500 }, `${F}.value`, "must be between -1000 and 1000, got -2500"],
    [{ name: "os/linux/oom-score-adj", value: 1.5 }, `${F}.value`, "must be an integer, got 1.5"],
    [{ name: "os/linux/no-new-privileges", value: 123 }, `${F}.value`, "must be true or false, got number"],
    [{ name: "os/linux/no-new-privileges", value: { set: ["CAP_KILL"] } }, `${F}.value`, "must be true or false, got object"],
    [{ name: "os/linux/capabilities-retain-set", value: { set: [] } }, `${F}.value.set`, "set must be non-empty"],
    [{ name: "os/linux/capabilities-retain-set", value: { set: "CAP_KILL" } }, `${F}.value.set`, "must be a list of strings"],
    [{ name: "os/linux/capabilities-retain-set", value: { set: ["CAP_PONIES"] } }, `${F}.value.set[0]`, 'unknown capability "CAP_PONIES"'],
    [{ name: "os/linux/capabilities-remove-set", value: { set: ["CAP_KILL", "NET_ADMIN"] } }, `${F}.value.set[1]`, "(did you mean CAP_NET_ADMIN?)"],
    [{ name: "os/linux/capabilities-remove-set", value: ["CAP_KILL"] }, `${F}.value`, 'must be an object {"set": [...]}, got array'],
    [{ name: "os/linux/seccomp-retain-set", value: { set: [] } }, `${F}.value.set`, "set must be non-empty"],
    [{ name: "os/linux/seccomp-retain-set", value: { set: ["read"], errno: "eperm" } }, `${F}.value.errno`, "errno must be an upper case string"],
    [{ name: "os/linux/seccomp-retain-set", value: { set: ["read"], errno: "ENOPE" } }, `${F}.value.errno`, 'unknown errno "ENOPE"'],
    [{ name: "os/linux/seccomp-retain-set", value: { set: ["read;ls"] } }, `${F}.value.set[0]`, 'bad syscall name "read;ls"'],
    [{ name: "os/linux/seccomp-retain-set", value: { set: ["@Bad"] } }, `${F}.value.set[0]`, 'bad seccomp wildcard "@Bad"'],
    [{ name: "resource/memory", value: { limit: "lots" } }, `${F}.value.limit`, 'invalid quantity "lots"'],
    [{ name: "resource/memory", value: { limit: 1024 } }, `${F}.value.limit`, "must be a quantity string"],
    [{ name: "resource/memory", value: { limit: "-1G" } }, `${F}.value.limit`, "must not be negative"],
    [{ name: "resource/memory", value: { default: true, limit: "1G" } }, `${F}.value.default`, "default must be false"],
    [{ name: "resource/cpu", value: "500m" }, `${F}.value`, "must be an object"],
    [{ name: "resource/block-bandwidth", value: { default: false, limit: "1G" } }, `${F}.value.default`, "default must be true"],
    [{ name: "resource/block-iops", value: { default: true, request: "30G", limit: "1G" } }, `${F}.value.request`, "request not supported by this resource"],
    [{ name: "resource/network-bandwidth", value: { limit: "1G" } }, `${F}.value.default`, "default must be true"],
    [{ name: "os/linux/selinux-context", value: { user: "a:b", role: "r", type: "t", level: "s0" } }, `${F}.value.user`, 'must not contain ":"'],
    [{ name: "os/linux/selinux-context", value: { user: "u", role: "r", type: "t" } }, `${F}.value.level`, "is required"],
    [{ name: "os/linux/apparmor-profile", value: { profile: "" } }, `${F}.value.profile`, "is required"],
    [{ name: "os/unix/sysctl", value: { "net.ipv4.tcp_rfc1337": 1 } }, `${F}.value["net.ipv4.tcp_rfc1337"]`, "must be a string, got number"],
    [{ name: "os/linux/cpu-shares" }, `${F}.value`, "is required for isolator os/linux/cpu-shares"],
    [{ value: 1 }, `${F}.name`, "is required"],
    [{ name: "Resource/Memory", value: {} }, `${F}.name`, "is not a valid AC Identifier"],
    ["resource/memory", F, "must be an isolator object"],
  ] as const)("%j", (iso, field, text) => {
    expectManifestError(() => parseIsolator(iso, F), field, text);
  });
});

describe("validateIsolators: set rules", () => {
  it("allows repeated resource and capability isolators (rkt appends --memory)", () => {
    const list = [
      { name: "resource/memory", value: { limit: "1G" } },
      { name: "resource/memory", value: { limit: "2G" } },
      { name: "os/linux/capabilities-retain-set", value: { set: ["CAP_KILL"] } },
      { name: "os/linux/capabilities-remove-set", value: { set: ["CAP_KILL"] } },
    ];
    expect(validateIsolators(list, "app.isolators").map((i) => i.kind)).toEqual(["memory", "memory", "capabilities-retain", "capabilities-remove"]);
  });

  it("rejects a second cpu-shares and a seccomp retain-set with a remove-set", () => {
    expectManifestError(
      () => validateIsolators([{ name: "os/linux/cpu-shares", value: 2 }, { name: "os/linux/cpu-shares", value: 4 }], "app.isolators"),
      "app.isolators[1]",
      "isolators set contains too many instances of type os/linux/cpu-shares",
    );
    expectManifestError(
      () =>
        validateIsolators(
          [
            { name: "os/linux/seccomp-retain-set", value: { set: ["read"] } },
            { name: "os/linux/seccomp-remove-set", value: { set: ["reboot"] } },
          ],
          "isolators",
        ),
      "isolators[1]",
      "isolators set contains incompatible types",
    );
  });

  it("rejects a non-list", () => {
    expectManifestError(() => validateIsolators({}, "app.isolators"), "app.isolators", "must be a list of isolators, got object");
  });
});

describe("isolator flags", () => {
  it("--memory builds resource/memory with request = limit and rejects under 4 KiB", () => {
    expect(memoryIsolatorFromFlag("16Mi")).toEqual({ name: "resource/memory", value: { request: "16Mi", limit: "16Mi" } });
    expect(memoryIsolatorFromFlag("4096").value).toEqual({ request: "4096", limit: "4096" });
    expect(() => memoryIsolatorFromFlag("16m")).toThrow("memory limit of 1 bytes too low. Try a reasonable value, such as --memory=16M");
    expect(() => memoryIsolatorFromFlag("4095")).toThrow("memory limit of 4095 bytes too low");
    expect(() => memoryIsolatorFromFlag("lots")).toThrow('invalid value "lots" for --memory');
    expect(() => memoryIsolatorFromFlag("-1G")).toThrow("must not be negative");
  });

  it("--cpu builds resource/cpu", () => {
    expect(cpuIsolatorFromFlag("500m")).toEqual({ name: "resource/cpu", value: { request: "500m", limit: "500m" } });
    expect(() => cpuIsolatorFromFlag("half")).toThrow(AppcError);
  });

  it("--cpu-shares and --oom-score-adj check their ranges", () => {
    expect(cpuSharesIsolatorFromFlag("1024")).toEqual({ name: "os/linux/cpu-shares", value: 1024 });
    expect(() => cpuSharesIsolatorFromFlag("1")).toThrow("os/linux/cpu-shares must be between 2 and 262144, got 1");
    expect(() => cpuSharesIsolatorFromFlag("lots")).toThrow("must be an integer");
    expect(oomScoreAdjIsolatorFromFlag("-1000")).toEqual({ name: "os/linux/oom-score-adj", value: -1000 });
    expect(() => oomScoreAdjIsolatorFromFlag("1001")).toThrow("must be between -1000 and 1000, got 1001");
  });

  it("--caps-retain/--caps-remove take CAP_ names", () => {
    expect(capsFromFlag("CAP_NET_ADMIN,CAP_KILL")).toEqual(["CAP_NET_ADMIN", "CAP_KILL"]);
    expect(capsIsolator("retain", ["CAP_KILL"])).toEqual({ name: "os/linux/capabilities-retain-set", value: { set: ["CAP_KILL"] } });
    expect(capsIsolator("remove", ["CAP_MKNOD"])).toEqual({ name: "os/linux/capabilities-remove-set", value: { set: ["CAP_MKNOD"] } });
    expect(() => capsFromFlag("CAP_NET_ADMIN,net_raw")).toThrow('unknown capability "net_raw" (did you mean CAP_NET_RAW?)');
    expect(() => capsFromFlag("CAP_KILL,")).toThrow('unknown capability ""');
    expect(() => capsFromFlag("")).toThrow("set must be non-empty");
  });

  it("--seccomp parses mode, errno and the set", () => {
    expect(seccompFromFlag("mode=retain,errno=ENOSYS,read,@rkt/default-whitelist")).toEqual({
      mode: "retain",
      errno: "ENOSYS",
      set: ["read", "@rkt/default-whitelist"],
    });
    expect(seccompFromFlag("reboot,mode=remove")).toEqual({ mode: "remove", set: ["reboot"] });
    expect(seccompIsolator({ mode: "remove", errno: "EXFULL", set: ["reboot"] })).toEqual({
      name: "os/linux/seccomp-remove-set",
      value: { set: ["reboot"], errno: "EXFULL" },
    });
    expect(seccompIsolator({ mode: "retain", set: ["@appc.io/all"] })).toEqual({
      name: "os/linux/seccomp-retain-set",
      value: { set: ["@appc.io/all"] },
    });
  });

  it.each([
    ["mode=keep,read", "invalid seccomp mode command-line override"],
    ["read,write", "invalid seccomp mode command-line override"],
    ["mode=retain,foo=bar,read", "invalid seccomp command-line override"],
    ["mode=retain", "set must be non-empty"],
    ["mode=retain,errno=eperm,read", "errno must be an upper case string"],
    ["mode=retain,@rkt/everything", 'unknown seccomp wildcard "@rkt/everything"'],
    ["mode=remove,Reboot", 'bad syscall name "Reboot"'],
  ])("--seccomp=%s fails with %s", (flag, message) => {
    expect(() => seccompFromFlag(flag)).toThrow(message);
  });
});
