import type { Logger, RuntimeOptions } from "@rkt/stage1-api";
import { describe, expect, test } from "vitest";
import { vmNetwork } from "./network.js";
import { qemuArgv } from "./qemu.js";
import { guestSpec } from "./specs.js";
import { tapScript } from "./taps.js";

const logger: Logger = { debug: () => {}, info: () => {}, warn: () => {} };
function options(net: string[], network: RuntimeOptions["network"]): RuntimeOptions {
  return {
    debug: false,
    interactive: false,
    net: net.map((name) => ({ name })),
    network,
    dns: { resolv: "default", hosts: "default" },
    ipc: "auto",
    insecure: { capabilities: false, paths: false, seccomp: false },
    localConfigDir: "/etc/rkt",
  };
}
const eth0 = {
  netName: "default",
  ifName: "eth0",
  mac: "0a:58:ac:10:1c:02",
  addresses: [{ address: "172.16.28.2/24", gateway: "172.16.28.1" }],
  routes: [{ dst: "0.0.0.0/0", gw: "172.16.28.1" }],
};

describe("the VM's network", () => {
  test("--net=host: QEMU's user-mode network; --net=none: no card", () => {
    expect(vmNetwork(options(["host"], { host: true }), logger)).toEqual({ kind: "slirp" });
    expect(vmNetwork(options(["none"], { host: false }), logger)).toEqual({ kind: "none" });
    expect(vmNetwork(options(["none"], { host: false, netnsPath: "/run/netns/x", interfaces: [] }), logger)).toEqual({ kind: "none" });
  });

  test("CNI networks: taps in stage0's namespace; without one, a clear error", () => {
    expect(vmNetwork(options(["default"], { host: false, netnsPath: "/run/netns/x", interfaces: [eth0] }), logger)).toEqual({
      kind: "tap",
      netnsPath: "/run/netns/x",
      interfaces: [eth0],
    });
    expect(() => vmNetwork(options(["default"], { host: false }), logger)).toThrow(/no network namespace for its CNI networks; use --net=host or --net=none/);
  });

  test("the taps: tc redirects both ways, each interface's MAC printed", () => {
    const script = tapScript([{ tap: "tap0", ifName: "eth0", addresses: [], routes: [] }]);
    expect(script).toMatch(/^ip tuntap add dev tap0 mode tap$/m);
    expect(script).toMatch(/^tc filter add dev eth0 parent ffff: protocol all u32 match u8 0 0 action mirred egress redirect dev tap0$/m);
    expect(script).toMatch(/^tc filter add dev tap0 parent ffff: protocol all u32 match u8 0 0 action mirred egress redirect dev eth0$/m);
    expect(script).toMatch(/^ip -o link show dev eth0$/m);
    expect(() => tapScript([{ tap: "tap0", ifName: "eth0; rm -rf /", addresses: [], routes: [] }])).toThrow(/invalid interface name/);
  });

  test("QEMU's card takes the interface's MAC; the guest gets its addresses and routes", () => {
    const nic = { tap: "tap0", ifName: "eth0", mac: eth0.mac, addresses: ["172.16.28.2/24"], routes: [{ dst: "0.0.0.0/0", gw: "172.16.28.1" }] };
    const network = { kind: "tap" as const, netnsPath: "/run/netns/x", nics: [nic] };
    const argv = qemuArgv({ uuid: "u", accel: "tcg", cpus: 1, memoryMiB: 256, kernel: "k", initramfs: "i", cmdline: "", share: "/s", network });
    expect(argv.join(" ")).toMatch(/-netdev tap,id=net0,ifname=tap0,script=no,downscript=no -device virtio-net-device,netdev=net0,mac=0a:58:ac:10:1c:02/);
    const spec = guestSpec("pod", network, { kind: "null" }).toString();
    expect(spec).toMatch(/^net tap$/m);
    expect(spec).toMatch(/^nic 0a:58:ac:10:1c:02 172.16.28.2\/24$/m);
    expect(spec).toMatch(/^route 0a:58:ac:10:1c:02 0.0.0.0\/0 172.16.28.1$/m);
  });
});
