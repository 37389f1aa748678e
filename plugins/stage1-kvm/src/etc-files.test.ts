import { describe, expect, test } from "vitest";
import { vmResolvConf } from "./etc-files.js";

describe("/etc files of kvm apps", () => {
  test("--dns=host: loopback resolvers become slirp's DNS proxy, others stay", () => {
    expect(vmResolvConf("search example.com\nnameserver 127.0.0.53\nnameserver 192.0.2.1\nnameserver ::1\n")).toBe(
      "search example.com\nnameserver 10.0.2.3\nnameserver 192.0.2.1\nnameserver 10.0.2.3\n",
    );
  });
});
