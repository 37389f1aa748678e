import type { RuntimeOptions } from "@rkt/stage1-api";
import { describe, expect, test } from "vitest";
import { etcBinds, withHostname } from "./etc-files.js";
import { inNetns, podNetns } from "./network.js";

describe("/etc files", () => {
  test("the hostname joins the first 127.0.0.1 line, or gets one", () => {
    expect(withHostname("127.0.0.1 localhost\n::1 x\n127.0.0.1 other\n", "h")).toBe("127.0.0.1 localhost h\n::1 x\n127.0.0.1 other\n");
    expect(withHostname("::1 x\n", "h")).toBe("::1 x\n127.0.0.1\th\n");
  });

  test("binds per mode", () => {
    const s1 = "/pod/stage1/rootfs";
    expect(etcBinds(s1, { resolv: "default", hosts: "default" }, true)).toEqual([]);
    expect(etcBinds(s1, { resolv: "default", hosts: "default" }, false)).toEqual([{ source: `${s1}/etc/rkt-hosts-default`, target: "/etc/hosts" }]);
    expect(etcBinds(s1, { resolv: "stage0", hosts: "stage0" }, true)).toEqual([
      { source: `${s1}/etc/rkt-resolv.conf`, target: "/etc/resolv.conf" },
      { source: `${s1}/etc/rkt-hosts`, target: "/etc/hosts" },
    ]);
    expect(etcBinds(s1, { resolv: "host", hosts: "host" }, true)).toEqual([
      { source: "/etc/resolv.conf", target: "/etc/resolv.conf" },
      { source: "/etc/hosts", target: "/etc/hosts" },
    ]);
    expect(etcBinds(s1, { resolv: "none", hosts: "default" }, true)).toEqual([]);
  });
});

describe("the pod's network", () => {
  const opts = (net: string[], network: RuntimeOptions["network"]): RuntimeOptions =>
    ({ net: net.map((name) => ({ name })), network }) as RuntimeOptions;

  test("the host's network, or nspawn started in the namespace stage0 made (none included)", () => {
    expect(podNetns(opts(["host"], { host: true }))).toBeUndefined();
    expect(podNetns(opts(["none"], { host: false, netnsPath: "/run/netns/x" }))).toBe("/run/netns/x");
    expect(() => podNetns(opts(["mynet"], { host: false }))).toThrow(/--net=mynet: stage0 gave the pod no network namespace/);
    const nspawn = { path: "/usr/bin/systemd-nspawn", argv: ["systemd-nspawn", "--quiet", "--", "/init"] };
    expect(inNetns(undefined, nspawn)).toBe(nspawn);
    expect(inNetns("/run/netns/x", nspawn)).toEqual({
      path: expect.stringMatching(/\/nsenter$/),
      argv: ["nsenter", "--net=/run/netns/x", "--", "/usr/bin/systemd-nspawn", "--quiet", "--", "/init"],
    });
  });
});
