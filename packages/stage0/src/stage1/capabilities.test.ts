import type { Stage1Definition } from "@rkt/stage1-api";
import { Capability, UnsupportedOptionError } from "@rkt/stage1-api";
import { describe, expect, test } from "vitest";
import { checkCapabilities, type PodRequirements } from "./capabilities.js";

function stage1(name: string, capabilities: Capability[]): Stage1Definition {
  return { name, capabilities, create: () => ({ run: async () => ({ path: "/x", argv: [], env: {}, cwd: "/" }) }) };
}

const fly = stage1("fly", [Capability.Enter, Capability.Stop, Capability.ExitStatus, Capability.EmptyVolumes, Capability.Interactive]);
const nspawn = stage1("nspawn", Object.values(Capability).filter((c) => c !== Capability.PortForward && c !== Capability.AppAdd));
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

  test("networks: the host's without --net (until CNI), a namespace of its own with --net=none", () => {
    expect(checkCapabilities(nspawn, base).privateNetwork).toBe(false);
    expect(checkCapabilities(nspawn, { ...base, explicitNet: ["none"] }).privateNetwork).toBe(true);
    expect(checkCapabilities(nspawn, { ...base, explicitNet: ["host"] }).privateNetwork).toBe(false);
    expect(() => checkCapabilities(fly, { ...base, explicitNet: ["none"] })).toThrow(/private-network/);
  });
});
