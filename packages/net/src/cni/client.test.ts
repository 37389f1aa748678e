// The CNI exec protocol against small plugins written for the test: they record their
// environment and stdin, and answer what the test tells them to.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseNetworkConfig } from "../config.js";
import { addNetwork, checkNetwork, delNetwork, type Attachment } from "./client.js";
import { CniError, errorFromOutput, findPlugin } from "./invoke.js";

let dir: string;
let log: string;
let at: Attachment;

/** A plugin that logs "<name> <command>", its CNI_* environment and stdin, then runs `body`. */
function plugin(name: string, body: string): void {
  const path = join(dir, "bin", name);
  writeFileSync(
    path,
    `#!/bin/sh
n=$(ls "${log}" | wc -l)
f="${log}/$(printf %03d "$n")-${name}-$CNI_COMMAND"
env | grep -E '^CNI_' | sort > "$f.env"
cat > "$f.in"
${body}
`,
  );
  chmodSync(path, 0o755);
}

interface Call {
  name: string;
  command: string;
  env: Record<string, string>;
  stdin: string;
}

function calls(): Call[] {
  const out: Call[] = [];
  for (const f of readdirSync(log).filter((x) => x.endsWith(".env")).sort()) {
    const [, name, command] = /^\d+-(.+)-([A-Z]+)\.env$/.exec(f)!;
    const env = Object.fromEntries(
      readFileSync(join(log, f), "utf8")
        .trim()
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    out.push({ name: name!, command: command!, env, stdin: readFileSync(join(log, f.replace(/\.env$/, ".in")), "utf8") });
  }
  rmSync(log, { recursive: true });
  mkdirSync(log);
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rkt-cni-"));
  log = join(dir, "log");
  mkdirSync(join(dir, "bin"));
  mkdirSync(log);
  at = { containerId: "c0ffee00-0000-4000-8000-000000000001", netns: "/var/run/netns/test", ifName: "eth3", args: "IP=10.0.0.9;X=1", cniPath: [join(dir, "nothing"), join(dir, "bin")] };
  // main: prints a result of the config's version; add-on: passes prevResult on, with its mark.
  plugin(
    "main",
    `case "$CNI_COMMAND" in
ADD) v=$(sed -n 's/.*"cniVersion": *"\\([^"]*\\)".*/\\1/p' "$f.in"); case "$v" in
  0.1.0|0.2.0) echo '{"cniVersion":"'$v'","ip4":{"ip":"10.0.0.9/24","gateway":"10.0.0.1"},"dns":{"nameservers":["10.0.0.53"]}}';;
  *) echo '{"cniVersion":"'$v'","interfaces":[{"name":"eth3","sandbox":"/var/run/netns/test"}],"ips":[{"address":"10.0.0.9/24","interface":0}]}';;
  esac;;
esac`,
  );
  plugin("addon", `[ "$CNI_COMMAND" = ADD ] && sed -n 's/.*"prevResult":\\(.*\\)}$/\\1/p' "$f.in"; exit 0`);
  plugin("broken", `printf '%s\\n' '{"cniVersion":"1.0.0","code":11,"msg":"failed to allocate for range 0","details":"requested IP address 10.0.0.9 is not available\\n"}'; exit 1`);
  plugin("crash", `echo "panic: something" >&2; exit 2`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the CNI exec protocol", () => {
  test("ADD of a .conf: the file byte for byte on stdin, the request in CNI_* (CNI_VERSION for 0.1.0)", async () => {
    const text = '{ "cniVersion": "0.1.0", "name": "n1", "type": "main" }';
    const net = parseNetworkConfig(Buffer.from(text), "10-n1.conf");
    const r = await addNetwork(net, at);
    expect(r.result.ips).toEqual([{ address: "10.0.0.9/24", gateway: "10.0.0.1", version: 4 }]);
    expect(r.result.dns.nameservers).toEqual(["10.0.0.53"]);
    expect(r.pluginPath).toBe(join(dir, "bin", "main"));
    const [c] = calls();
    expect(c!.stdin).toBe(text);
    expect(c!.env).toEqual({
      CNI_ARGS: "IP=10.0.0.9;X=1",
      CNI_COMMAND: "ADD",
      CNI_CONTAINERID: at.containerId,
      CNI_IFNAME: "eth3",
      CNI_NETNS: "/var/run/netns/test",
      CNI_PATH: at.cniPath.join(":"),
      CNI_VERSION: "0.1.0",
    });
    // DEL of a 0.1.0 network: the same bytes, no prevResult.
    await delNetwork(net, { ...at, netns: "" }, r.raw);
    const [d] = calls();
    expect(d!.stdin).toBe(text);
    expect(d!.env.CNI_NETNS).toBe("");
  });

  test("a .conflist: each plugin its section with name, cniVersion and the previous result; DEL backwards with prevResult", async () => {
    const net = parseNetworkConfig(
      Buffer.from(JSON.stringify({ cniVersion: "1.0.0", name: "chain", plugins: [{ type: "main", x: 1 }, { type: "addon", capabilities: { portMappings: true } }] })),
      "20-chain.conflist",
    );
    const r = await addNetwork(net, at);
    expect(r.result.interfaces).toEqual([{ name: "eth3", sandbox: "/var/run/netns/test" }]);
    const add = calls();
    expect(add.map((c) => `${c.name} ${c.command}`)).toEqual(["main ADD", "addon ADD"]);
    expect(JSON.parse(add[0]!.stdin)).toEqual({ type: "main", x: 1, name: "chain", cniVersion: "1.0.0" });
    expect(JSON.parse(add[1]!.stdin)).toMatchObject({ type: "addon", name: "chain", cniVersion: "1.0.0", prevResult: r.raw });
    expect(add[0]!.env.CNI_VERSION).toBeUndefined();

    await delNetwork(net, at, r.raw);
    const del = calls();
    expect(del.map((c) => `${c.name} ${c.command}`)).toEqual(["addon DEL", "main DEL"]);
    for (const c of del) expect(JSON.parse(c.stdin).prevResult).toEqual(r.raw);

    await checkNetwork(net, at, r.raw);
    expect(calls().map((c) => `${c.name} ${c.command}`)).toEqual(["main CHECK", "addon CHECK"]);
  });

  test("CHECK needs spec 0.4.0 and the ADD result", async () => {
    const old = parseNetworkConfig(Buffer.from('{"cniVersion":"0.3.1","name":"o","type":"main"}'), "o.conf");
    await expect(checkNetwork(old, at, {})).rejects.toThrow('configuration version "0.3.1" does not support the CHECK command');
    const cur = parseNetworkConfig(Buffer.from('{"cniVersion":"0.4.0","name":"c","type":"main"}'), "c.conf");
    await expect(checkNetwork(cur, at, undefined)).rejects.toThrow(/needs the result of its ADD/);
  });

  test("failures: the plugin's error object in one line, its stderr, a missing plugin", async () => {
    const broken = parseNetworkConfig(Buffer.from('{"cniVersion":"1.0.0","name":"b","type":"broken"}'), "b.conf");
    const err = await addNetwork(broken, at).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).message).toBe("failed to allocate for range 0: requested IP address 10.0.0.9 is not available");
    expect((err as CniError).code).toBe(11);
    const crash = parseNetworkConfig(Buffer.from('{"cniVersion":"1.0.0","name":"c","type":"crash"}'), "c.conf");
    await expect(addNetwork(crash, at)).rejects.toThrow("plugin crash (ADD) failed: panic: something");
    const none = parseNetworkConfig(Buffer.from('{"cniVersion":"1.0.0","name":"m","type":"missing"}'), "m.conf");
    await expect(addNetwork(none, at)).rejects.toThrow(`failed to find plugin "missing" in path [${at.cniPath.join(" ")}]`);
    expect(() => findPlugin("../main", at.cniPath)).toThrow(/invalid plugin type/);
    expect(errorFromOutput("not json")).toBeUndefined();
    calls();
  });

  test("DEL asks every plugin of a chain even when one fails, and reports the first failure", async () => {
    const net = parseNetworkConfig(Buffer.from(JSON.stringify({ cniVersion: "1.0.0", name: "c2", plugins: [{ type: "main" }, { type: "broken" }] })), "c2.conflist");
    await expect(delNetwork(net, at, { cniVersion: "1.0.0" })).rejects.toThrow(/plugin broken: failed to allocate/);
    expect(calls().map((c) => `${c.name} ${c.command}`)).toEqual(["broken DEL", "main DEL"]);
  });
});
