import { describe, expect, test } from "vitest";
import { Flags, parseFlags } from "../flags.js";
import { RUNTIME_FLAGS } from "./flag-specs.js";
import { parseDns, parseIpc } from "./runtime-flags.js";

function flags(args: string[]): Flags {
  return new Flags(parseFlags(args, RUNTIME_FLAGS).values, RUNTIME_FLAGS);
}

describe("runtime flags", () => {
  test("--dns modes as rkt's parseDNSFlags", () => {
    expect(parseDns(flags([]))).toEqual({ dns: { resolv: "default", hosts: "default" } });
    expect(parseDns(flags(["--dns=host"])).dns.resolv).toBe("host");
    expect(parseDns(flags(["--dns=none"])).dns.resolv).toBe("none");
    expect(parseDns(flags(["--dns=8.8.8.8,1.1.1.1", "--dns=::1", "--dns-search=a", "--dns-opt=o", "--dns-domain=d"]))).toEqual({
      dns: { resolv: "stage0", hosts: "default" },
      dnsConfig: { nameservers: ["8.8.8.8", "1.1.1.1", "::1"], search: ["a"], options: ["o"], domain: "d" },
    });
    expect(parseDns(flags(["--dns-search=only"])).dns.resolv).toBe("stage0");
    expect(() => parseDns(flags(["--dns=host", "--dns=8.8.8.8"]))).toThrow(/no other --dns options allowed when --dns=host/);
    expect(() => parseDns(flags(["--dns=none", "--dns-search=x"]))).toThrow(/Cannot call --dns-opt, --dns-search, or --dns-domain with --dns=none/);
    expect(() => parseDns(flags(["--dns=not-an-ip"]))).toThrow(/Invalid IP passed to --dns: not-an-ip/);
  });

  test("--hosts-entry", () => {
    expect(parseDns(flags(["--hosts-entry=10.0.0.1=a,10.0.0.1=b", "--hosts-entry=10.0.0.2=c"]))).toEqual({
      dns: { resolv: "default", hosts: "stage0" },
      hostsEntries: [
        { ip: "10.0.0.1", names: ["a", "b"] },
        { ip: "10.0.0.2", names: ["c"] },
      ],
    });
    expect(parseDns(flags(["--hosts-entry=host", "--hosts-entry=host"])).dns.hosts).toBe("host");
    expect(() => parseDns(flags(["--hosts-entry=host", "--hosts-entry=1.2.3.4=x"]))).toThrow(/cannot pass --hosts-entry=host with multiple/);
    expect(() => parseDns(flags(["--hosts-entry=1.2.3.4"]))).toThrow(/Did not understand --hosts-entry 1.2.3.4/);
    expect(() => parseDns(flags(["--hosts-entry=nope=x"]))).toThrow(/Invalid IP passed to --hosts-entry: nope/);
  });

  test("--ipc", () => {
    expect(parseIpc("parent")).toBe("parent");
    expect(() => parseIpc("shared")).toThrow(/invalid value "shared" for --ipc/);
  });
});
