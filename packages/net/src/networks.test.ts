import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { NetworkConfigError, parseNetworkConfig } from "./config.js";
import { builtinNetwork, loadUserNetworks, NetworkNotFoundError, selectNetworks } from "./networks.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function localConfig(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "rkt-net-"));
  dirs.push(dir);
  mkdirSync(join(dir, "net.d"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, "net.d", name), text);
  return dir;
}

const conf = (name: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ cniVersion: "0.3.1", name, type: "ptp", ipam: { type: "host-local", subnet: "10.9.0.0/24" }, ...extra });

describe("network configurations", () => {
  test("the built-in networks are rkt's (ptp, host-local; default masquerades and routes out)", () => {
    const d = builtinNetwork("default");
    expect(d).toMatchObject({ name: "default", kind: "conf", fileName: "99-default.conf", cniVersion: "0.4.0" });
    expect(d.plugins[0]).toEqual({
      cniVersion: "0.4.0",
      name: "default",
      type: "ptp",
      ipMasq: true,
      ipam: { type: "host-local", subnet: "172.16.28.0/24", routes: [{ dst: "0.0.0.0/0" }] },
    });
    const r = builtinNetwork("default-restricted");
    expect(r.plugins[0]).toMatchObject({ type: "ptp", ipMasq: false, ipam: { subnet: "172.31.0.0/16" } });
    expect(r.plugins[0]!.ipam).not.toHaveProperty("routes");
  });

  test("files: .conf is one plugin read byte for byte, .conflist a chain; mistakes name the file", () => {
    const bytes = Buffer.from(conf("a"));
    expect(parseNetworkConfig(bytes, "10-a.conf").bytes).toBe(bytes);
    const list = parseNetworkConfig(Buffer.from(JSON.stringify({ cniVersion: "1.0.0", name: "l", plugins: [{ type: "ptp" }, { type: "portmap" }] })), "20-l.conflist");
    expect(list).toMatchObject({ kind: "conflist", name: "l", cniVersion: "1.0.0" });
    expect(list.plugins.map((p) => p.type)).toEqual(["ptp", "portmap"]);
    expect(parseNetworkConfig(Buffer.from('{"name":"old","type":"bridge"}'), "x.conf").cniVersion).toBe("0.1.0");
    expect(() => parseNetworkConfig(Buffer.from("{"), "bad.conf", "/etc/rkt/net.d/bad.conf")).toThrow(/\/etc\/rkt\/net.d\/bad.conf: not valid JSON/);
    expect(() => parseNetworkConfig(Buffer.from('{"type":"ptp"}'), "n.conf")).toThrow(/has no "name"/);
    expect(() => parseNetworkConfig(Buffer.from('{"name":"x"}'), "n.conf")).toThrow(/has no "type"/);
    expect(() => parseNetworkConfig(Buffer.from('{"name":"x","plugins":[]}'), "n.conflist")).toThrow(NetworkConfigError);
  });

  test("user networks: .conf and .conflist, by file name; the first of two with one name wins", () => {
    const dir = localConfig({
      "20-b.conf": conf("b"),
      "10-a.conf": conf("a"),
      "30-a-again.conf": conf("a"),
      "15-c.conflist": JSON.stringify({ cniVersion: "1.0.0", name: "c", plugins: [{ type: "bridge" }] }),
      "README": "not a network",
    });
    const warnings: string[] = [];
    const nets = loadUserNetworks(dir, (m) => warnings.push(m));
    expect(nets.map((n) => `${n.fileName}:${n.name}`)).toEqual(["10-a.conf:a", "15-c.conflist:c", "20-b.conf:b"]);
    expect(warnings).toEqual([`"a" network already defined, ignoring ${join(dir, "net.d", "30-a-again.conf")}`]);
    expect(loadUserNetworks(join(dir, "nothing-here"))).toEqual([]);
  });

  test("selection: default alone; named networks get default-restricted; all; order by file name; CNI_ARGS", () => {
    const user = loadUserNetworks(localConfig({ "10-a.conf": conf("a"), "50-b.conf": conf("b") }));
    const names = (s: ReturnType<typeof selectNetworks>) => s.map((x) => `${x.ifName}=${x.net.name}${x.args ? `:${x.args}` : ""}`);
    expect(names(selectNetworks([{ name: "default" }], user))).toEqual(["eth0=default"]);
    expect(names(selectNetworks([{ name: "b", args: "IP=10.9.0.9" }, { name: "a" }], user))).toEqual(["eth0=a", "eth1=b:IP=10.9.0.9", "eth2=default-restricted"]);
    expect(names(selectNetworks([{ name: "a" }, { name: "default", args: "IP=172.16.28.99" }], user))).toEqual(["eth0=a", "eth1=default:IP=172.16.28.99"]);
    expect(names(selectNetworks([{ name: "all" }], user))).toEqual(["eth0=a", "eth1=b", "eth2=default"]);
    expect(names(selectNetworks([{ name: "default-restricted" }], user))).toEqual(["eth0=default-restricted"]);
  });

  test("a user network named default replaces the built-in one, with rkt's notice", () => {
    const dir = localConfig({ "05-mine.conf": conf("default") });
    const warnings: string[] = [];
    const s = selectNetworks([{ name: "default" }], loadUserNetworks(dir), (m) => warnings.push(m));
    expect(s.map((x) => x.net.path)).toEqual([join(dir, "net.d", "05-mine.conf")]);
    expect(warnings).toEqual([`overriding "default" network with ${join(dir, "net.d", "05-mine.conf")}`]);
  });

  test("unknown names: rkt's message, all of them", () => {
    let err: unknown;
    try {
      selectNetworks([{ name: "nope" }, { name: "default" }, { name: "nada" }], []);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetworkNotFoundError);
    expect((err as Error).message).toBe("networks not found: nope, nada");
  });
});
