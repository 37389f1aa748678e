import { describe, expect, test } from "vitest";
import { CniResultError, firstIPv4, parseResult, prefixToMask } from "./result.js";
import { compareVersions, configVersion, passesPrevResult, supportsCheck } from "./version.js";

describe("CNI results of every version", () => {
  test("0.1.0 / 0.2.0: ip4 and ip6 sections, their routes, DNS", () => {
    const r = parseResult(
      {
        cniVersion: "0.2.0",
        ip4: { ip: "172.16.28.2/24", gateway: "172.16.28.1", routes: [{ dst: "0.0.0.0/0" }, { dst: "10.0.0.0/8", gw: "172.16.28.254" }] },
        ip6: { ip: "fd00::2/64" },
        dns: { nameservers: ["1.2.3.4"], search: ["a.test"] },
      },
      "0.1.0",
    );
    expect(r).toEqual({
      cniVersion: "0.2.0",
      interfaces: [],
      ips: [
        { address: "172.16.28.2/24", gateway: "172.16.28.1", version: 4 },
        { address: "fd00::2/64", version: 6 },
      ],
      routes: [{ dst: "0.0.0.0/0" }, { dst: "10.0.0.0/8", gw: "172.16.28.254" }],
      dns: { nameservers: ["1.2.3.4"], search: ["a.test"], options: [] },
    });
    // A result without cniVersion takes the config's.
    expect(parseResult({ ip4: { ip: "10.1.0.5/16" } }, "0.1.0").ips).toEqual([{ address: "10.1.0.5/16", version: 4 }]);
  });

  test("0.3.x, 0.4.0, 1.0.0: interfaces, ips with their interface, routes", () => {
    for (const v of ["0.3.1", "0.4.0", "1.0.0"]) {
      const r = parseResult(
        {
          cniVersion: v,
          interfaces: [{ name: "veth1" , mac: "aa:bb:cc:dd:ee:01" }, { name: "eth0", mac: "aa:bb:cc:dd:ee:02", sandbox: "/var/run/netns/x" }],
          ips: [{ ...(v === "1.0.0" ? {} : { version: "4" }), address: "10.2.0.7/24", gateway: "10.2.0.1", interface: 1 }],
          routes: [{ dst: "0.0.0.0/0" }],
          dns: { nameservers: ["9.9.9.9"], domain: "d.test", options: ["ndots:2"] },
        },
        v,
      );
      expect(r.interfaces).toEqual([{ name: "veth1", mac: "aa:bb:cc:dd:ee:01" }, { name: "eth0", mac: "aa:bb:cc:dd:ee:02", sandbox: "/var/run/netns/x" }]);
      expect(r.ips).toEqual([{ address: "10.2.0.7/24", gateway: "10.2.0.1", interface: 1, version: 4 }]);
      expect(r.routes).toEqual([{ dst: "0.0.0.0/0" }]);
      expect(r.dns).toEqual({ nameservers: ["9.9.9.9"], domain: "d.test", search: [], options: ["ndots:2"] });
      expect(firstIPv4(r)).toEqual({ ip: "10.2.0.7", prefix: 24, gateway: "10.2.0.1" });
    }
  });

  test("malformed results are refused with what is wrong", () => {
    expect(() => parseResult("nope", "1.0.0")).toThrow(CniResultError);
    expect(() => parseResult({ cniVersion: "1.0.0", ips: [{ address: "10.0.0.1" }] }, "1.0.0")).toThrow(/not an address in CIDR form/);
    expect(() => parseResult({ cniVersion: "1.0.0", interfaces: [{}] }, "1.0.0")).toThrow(/interfaces\[0\] has no name/);
    expect(() => parseResult({ cniVersion: "0.2.0", ip4: {} }, "0.2.0")).toThrow(/ip4 has no ip/);
    expect(() => parseResult({ cniVersion: "1.0.0", routes: [{ gw: "1.1.1.1" }] }, "1.0.0")).toThrow(/routes\[0\] has no dst/);
  });

  test("masks and versions", () => {
    expect(prefixToMask(24)).toBe("255.255.255.0");
    expect(prefixToMask(16)).toBe("255.255.0.0");
    expect(prefixToMask(32)).toBe("255.255.255.255");
    expect(prefixToMask(0)).toBe("0.0.0.0");
    expect(prefixToMask(20)).toBe("255.255.240.0");
    expect(configVersion(undefined)).toBe("0.1.0");
    expect(compareVersions("0.3.1", "0.3.0")).toBe(1);
    expect(compareVersions("1.0.0", "0.4.0")).toBe(1);
    expect(supportsCheck("0.3.1")).toBe(false);
    expect(supportsCheck("0.4.0")).toBe(true);
    expect(passesPrevResult("1.0.0")).toBe(true);
    expect(passesPrevResult("0.1.0")).toBe(false);
  });
});
