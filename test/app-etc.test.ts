// The /etc files an app gets, as rkt made them: /etc/mtab -> ../proc/self/mounts when the
// image has none (every flavor, overlay or not), /etc/hostname saying the pod's hostname
// (--hostname, underscores included, as rkt), and a volume the app mounts on one of these
// files winning over the one the stage1 generates.
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { cleanupPods, sh } from "./helpers/nspawn.js";
import { Sandbox } from "./helpers/rkt.js";

const sb = new Sandbox("app-etc");
let plain: string;
let withMtab: string;

async function fetchId(file: string): Promise<string> {
  const r = await sb.rkt(["--insecure-options=image", "fetch", "--full", file]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

beforeAll(async () => {
  plain = await fetchId(buildAci(sb.path("plain.aci"), { name: "example.com/etc-plain", version: "1.0" }));
  withMtab = await fetchId(buildAci(sb.path("mtab.aci"), { name: "example.com/etc-mtab", version: "1.0", files: { "etc/mtab": "image's own\n" } }));
  writeFileSync(sb.path("hosts"), "<<<my hosts>>>\n");
  writeFileSync(sb.path("hostname"), "<<<my hostname>>>\n");
});

afterAll(async () => {
  await cleanupPods(sb);
  sb.cleanup();
});

describe.each(["fly", "nspawn"])("on %s", (flavor) => {
  const run = (args: string[]) => sb.rkt(["run", `--stage1-name=${flavor}`, ...args]);

  test("/etc/mtab is rkt's symlink unless the image has one, with or without overlay", async () => {
    for (const overlay of [[], ["--no-overlay"]]) {
      const r = await run([...overlay, plain, ...sh("readlink /etc/mtab; grep -q ' /proc proc ' /etc/mtab && echo readable")]);
      expect(r.stdout, r.stderr).toBe("../proc/self/mounts\nreadable\n");
      const own = await run([...overlay, withMtab, ...sh("cat /etc/mtab")]);
      expect(own.stdout).toBe("image's own\n");
    }
  });

  test("a volume on /etc/hosts wins over the generated file", async () => {
    const r = await run([`--volume=h,kind=host,source=${sb.path("hosts")}`, "--hosts-entry=192.0.2.9=other", plain, "--mount=volume=h,target=/etc/hosts", ...sh("cat /etc/hosts")]);
    expect(r.stdout, r.stderr).toBe("<<<my hosts>>>\n");
  });
});

describe("/etc/hostname (nspawn)", () => {
  test("says the pod's hostname, --hostname's or rkt-<uuid>", async () => {
    const r = await sb.rkt(["run", "--hostname=web-1.example", plain, ...sh("cat /etc/hostname; hostname; stat -c %a /etc/hostname")]);
    expect(r.stdout, r.stderr).toBe("web-1.example\nweb-1.example\n644\n");
    const dflt = await sb.rkt(["run", `--uuid-file-save=${sb.path("uuid")}`, plain, ...sh("cat /etc/hostname")]);
    expect(dflt.stdout).toMatch(/^rkt-[0-9a-f-]{36}\n$/);
  });

  test("an underscore, as rkt allowed: /etc/hostname has it, the kernel keeps the machine's name (systemd refuses it)", async () => {
    const r = await sb.rkt(["run", "--hostname=custom_hostname", plain, ...sh("cat /etc/hostname; hostname")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^custom_hostname\nrkt-[0-9a-f-]{36}\n$/);
    expect(r.stderr).toMatch(/systemd-nspawn refuses the hostname "custom_hostname"/);
    const bad = await sb.rkt(["run", "--hostname=no/slash", plain]);
    expect(bad.code).toBe(254);
    expect(bad.stderr).toMatch(/is not a valid hostname/);
  });

  test("a volume on /etc/hostname wins", async () => {
    const r = await sb.rkt(["run", `--volume=n,kind=host,source=${sb.path("hostname")}`, plain, "--mount=volume=n,target=/etc/hostname", ...sh("cat /etc/hostname")]);
    expect(r.stdout, r.stderr).toBe("<<<my hostname>>>\n");
  });
});
