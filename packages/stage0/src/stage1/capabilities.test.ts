import type { Stage1Definition } from "@rkt/stage1-api";
import { Capability, UnsupportedOptionError } from "@rkt/stage1-api";
import { describe, expect, test } from "vitest";
import { checkCapabilities, type PodRequirements } from "./capabilities.js";

function stage1(name: string, capabilities: Capability[]): Stage1Definition {
  return { name, capabilities, create: () => ({ run: async () => ({ path: "/x", argv: [], env: {}, cwd: "/" }) }) };
}

const fly = stage1("fly", [Capability.Enter, Capability.Stop, Capability.ExitStatus, Capability.EmptyVolumes, Capability.Interactive]);
const nspawn = stage1("nspawn", Object.values(Capability).filter((c) => c !== Capability.OwnNetwork && c !== Capability.AppAdd));
const bridge = stage1("bridge", [Capability.PrivateNetwork, Capability.PortForward, Capability.OwnNetwork]);
const base: PodRequirements = { appCount: 1, interactive: false, emptyVolumes: false };

describe("checkCapabilities", () => {
  test("isolators: refused when asked for with a flag, dropped with a warning when an image has them", () => {
    expect(() => checkCapabilities(fly, { ...base, isolators: [{ app: "a", name: "resource/memory", explicit: true }] })).toThrow(UnsupportedOptionError);
    expect(() => checkCapabilities(fly, { ...base, isolators: [{ app: "a", name: "os/linux/seccomp-retain-set", explicit: true }] })).toThrow(
      /stage1 fly does not support --seccomp \(os\/linux\/seccomp-retain-set for app a\) \(it lacks the "seccomp" capability\)/,
    );
    const implied = checkCapabilities(fly, { ...base, isolators: [{ app: "a", name: "os/linux/capabilities-retain-set", explicit: false }] });
    expect(implied.warnings).toEqual([
      'stage1 fly does not enforce the os/linux/capabilities-retain-set isolator of app a (it lacks the "linux-capabilities" capability): ignored',
    ]);
    expect(checkCapabilities(fly, { ...base, isolators: [{ app: "a", name: "os/linux/no-new-privileges", explicit: true }] }).warnings).toEqual([]);
    expect(checkCapabilities(nspawn, { ...base, isolators: [{ app: "a", name: "resource/cpu", explicit: true }] }).warnings).toEqual([]);
  });

  test("--ipc needs the ipc capability unless it is auto", () => {
    expect(() => checkCapabilities(fly, { ...base, ipc: "private" })).toThrow(/--ipc=private/);
    expect(checkCapabilities(fly, { ...base, ipc: "auto" }).warnings).toEqual([]);
    expect(checkCapabilities(nspawn, { ...base, ipc: "parent" }).warnings).toEqual([]);
  });

  test("networks: default without --net where the stage1 can have a network of its own, the host's on fly", () => {
    expect(checkCapabilities(nspawn, base)).toMatchObject({ privateNetwork: true, stage0Network: true });
    expect(checkCapabilities(nspawn, { ...base, explicitNet: ["none"] })).toMatchObject({ privateNetwork: true, stage0Network: true });
    expect(checkCapabilities(nspawn, { ...base, explicitNet: ["host"] })).toMatchObject({ privateNetwork: false, stage0Network: false });
    // fly: the host's network, without a word, as rkt's fly; an explicit private network is refused.
    expect(checkCapabilities(fly, base)).toEqual({ privateNetwork: false, stage0Network: false, warnings: [] });
    expect(() => checkCapabilities(fly, { ...base, explicitNet: ["none"] })).toThrow(/private-network/);
    // An rkt stage1 image joins its networks itself: stage0 makes none.
    expect(checkCapabilities(bridge, base)).toMatchObject({ privateNetwork: true, stage0Network: false });
  });

  test("--port: needs port-forward and a network other than host and none", () => {
    expect(checkCapabilities(nspawn, { ...base, ports: 1 }).warnings).toEqual([]);
    expect(() => checkCapabilities(nspawn, { ...base, ports: 1, explicitNet: ["host"] })).toThrow("--port flag does not work with 'none'/'host' networking");
    expect(() => checkCapabilities(nspawn, { ...base, ports: 1, explicitNet: ["none"] })).toThrow("--port flag does not work with 'none'/'host' networking");
    expect(() => checkCapabilities(fly, { ...base, ports: 1 })).toThrow(/does not support --port \(it lacks the "port-forward" capability\)/);
  });
});
