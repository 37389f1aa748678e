import { describe, expect, test } from "vitest";
import { parseNet, parsePort } from "./net-flags.js";

describe("--net and --port", () => {
  test("--net: names with CNI_ARGS, repeatable and comma-separated", () => {
    expect(parseNet([])).toBeUndefined();
    expect(parseNet(["default"])).toEqual([{ name: "default" }]);
    expect(parseNet(["a:IP=10.0.0.2;X=1,b", "c"])).toEqual([{ name: "a", args: "IP=10.0.0.2;X=1" }, { name: "b" }, { name: "c" }]);
    expect(() => parseNet(["a,a"])).toThrow(/network "a" given twice/);
    expect(() => parseNet(["host:x=1"])).toThrow(/takes no arguments/);
    expect(() => parseNet(["none,default"])).toThrow(/none cannot be combined/);
  });

  test("--port=NAME:[HOSTIP:]HOSTPORT", () => {
    expect(parsePort("http:8080")).toEqual({ name: "http", hostPort: 8080 });
    expect(parsePort("80-tcp:127.0.0.1:8080")).toEqual({ name: "80-tcp", hostPort: 8080, hostIP: "127.0.0.1" });
    expect(() => parsePort("http")).toThrow(/not in name:\[ip:\]port format/);
    expect(() => parsePort("http:0")).toThrow(/"0" is not a valid port number/);
    expect(() => parsePort("http:65536")).toThrow(/"65536" is not a valid port number/);
    expect(() => parsePort("Http:80")).toThrow(/--port: port name "Http" is not a valid AC Name/);
    expect(() => parsePort("http:::1:80")).toThrow(/name:\[ip:\]port/);
    expect(() => parsePort("http:300.1.1.1:80")).toThrow(/not a valid IPv4 address/);
  });
});
