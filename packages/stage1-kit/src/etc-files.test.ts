import { describe, expect, test } from "vitest";
import { etcBinds, withHostname } from "./etc-files.js";

describe("/etc files", () => {
  test("the hostname joins the first 127.0.0.1 line, or gets one", () => {
    expect(withHostname("127.0.0.1 localhost\n::1 x\n127.0.0.1 other\n", "h")).toBe("127.0.0.1 localhost h\n::1 x\n127.0.0.1 other\n");
    expect(withHostname("::1 x\n", "h")).toBe("::1 x\n127.0.0.1\th\n");
    expect(withHostname("127.0.0.1 localhost\n::1 ip6-localhost\n", "pod")).toBe("127.0.0.1 localhost pod\n::1 ip6-localhost\n");
    expect(withHostname("", "pod")).toBe("127.0.0.1\tpod\n");
  });

  test("binds per mode", () => {
    const s1 = "/pod/stage1/rootfs";
    const hostResolv = "/etc/resolv.conf";
    expect(etcBinds(s1, { resolv: "default", hosts: "default" }, true, hostResolv)).toEqual([]);
    expect(etcBinds(s1, { resolv: "default", hosts: "default" }, false, hostResolv)).toEqual([{ source: `${s1}/etc/rkt-hosts-default`, target: "/etc/hosts" }]);
    expect(etcBinds(s1, { resolv: "stage0", hosts: "stage0" }, true, hostResolv)).toEqual([
      { source: `${s1}/etc/rkt-resolv.conf`, target: "/etc/resolv.conf" },
      { source: `${s1}/etc/rkt-hosts`, target: "/etc/hosts" },
    ]);
    expect(etcBinds(s1, { resolv: "host", hosts: "host" }, true, hostResolv)).toEqual([
      { source: "/etc/resolv.conf", target: "/etc/resolv.conf" },
      { source: "/etc/hosts", target: "/etc/hosts" },
    ]);
    expect(etcBinds(s1, { resolv: "none", hosts: "default" }, true, hostResolv)).toEqual([]);
    // --dns=host binds the file the flavor gives (kvm: a copy its VM can use).
    expect(etcBinds(s1, { resolv: "host", hosts: "default" }, true, `${s1}/etc/rkt-resolv-host.conf`)).toEqual([
      { source: `${s1}/etc/rkt-resolv-host.conf`, target: "/etc/resolv.conf" },
    ]);
  });
});
