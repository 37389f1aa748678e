import type { RuntimeOptions } from "@rkt/stage1-api";
import { describe, expect, test } from "vitest";
import { inNetns, podNetns } from "./network.js";

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
