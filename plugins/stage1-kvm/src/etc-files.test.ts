import { describe, expect, test } from "vitest";
import { vmResolvConf, withHostname } from "./etc-files.js";

describe("/etc files of kvm apps", () => {
  test("--dns=host: loopback resolvers become slirp's DNS proxy, others stay", () => {
    expect(vmResolvConf("search example.com\nnameserver 127.0.0.53\nnameserver 192.0.2.1\nnameserver ::1\n")).toBe(
      "search example.com\nnameserver 10.0.2.3\nnameserver 192.0.2.1\nnameserver 10.0.2.3\n",
    );
  });

  test("the hostname joins the first 127.0.0.1 line", () => {
    expect(withHostname("127.0.0.1 localhost\n::1 ip6-localhost\n", "pod")).toBe("127.0.0.1 localhost pod\n::1 ip6-localhost\n");
    expect(withHostname("", "pod")).toBe("127.0.0.1\tpod\n");
  });
});
