// A fresh Debian 12 machine for the tests: a debootstrap minbase root of bookworm, built
// from this machine's own apt sources (its mirror, its keyring), with the machine's npm
// registry settings, entered with chroot. The set-up test and the package test run in it.
//
// Cached across runs on one machine, under $RKT_TEST_CACHE (default /var/cache/rkt-ts-test):
// the minbase root as a tarball (rebuilt after a week) and the .debs apt downloaded. Every
// mount is removed and every process left in the root is killed by cleanup(), which runs
// even when the test fails.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, run, type Result } from "./rkt.js";

export const SUITE = "bookworm";
const CACHE = process.env["RKT_TEST_CACHE"] || "/var/cache/rkt-ts-test";
const MINBASE_MAX_AGE_MS = 7 * 24 * 3600_000;
const APT_ARCHIVES = "var/cache/apt/archives";

export interface AptSource {
  uri: string;
  suite: string;
  signedBy?: string;
}

/**
 * The machine's apt sources of Debian SUITE, SUITE-updates and SUITE-security with the main
 * component, from /etc/apt/sources.list and sources.list.d (one-line and deb822 formats).
 */
export function debianSources(dir = "/etc/apt"): AptSource[] {
  const files = [join(dir, "sources.list")];
  if (existsSync(join(dir, "sources.list.d"))) files.push(...readdirSync(join(dir, "sources.list.d")).sort().map((f) => join(dir, "sources.list.d", f)));
  const out: AptSource[] = [];
  const add = (types: string[], uris: string[], suites: string[], components: string[], signedBy?: string) => {
    if (!types.includes("deb") || !components.includes("main")) return;
    for (const uri of uris) for (const suite of suites) if (new RegExp(`^${SUITE}(-updates|-security)?$`).test(suite)) out.push({ uri, suite, signedBy });
  };
  for (const file of files.filter((f) => existsSync(f))) {
    const text = readFileSync(file, "utf8");
    if (file.endsWith(".sources")) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const fields = new Map<string, string>();
        for (const line of stanza.split("\n")) {
          const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
          if (m && !line.startsWith("#")) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
        }
        if (fields.get("enabled") === "no") continue;
        const list = (k: string) => (fields.get(k) ?? "").split(/\s+/).filter(Boolean);
        add(list("types"), list("uris"), list("suites"), list("components"), fields.get("signed-by"));
      }
    } else if (file.endsWith(".list")) {
      for (const raw of text.split("\n")) {
        const line = raw.replace(/#.*/, "").trim();
        const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s+(.*)$/.exec(line);
        if (!m) continue;
        const signedBy = /(?:^|\s)signed-by=(\S+)/.exec(m[2] ?? "")?.[1];
        add([m[1]!], [m[3]!], [m[4]!], m[5]!.split(/\s+/), signedBy);
      }
    }
  }
  return out;
}

/**
 * The npm settings of this machine that a fresh one needs to reach the same registry, as npm
 * on the system's Node.js reads them (on rkt's runtime it would miss <prefix>/etc/npmrc).
 */
function npmConfig(): Record<string, string> {
  const path = (process.env["PATH"] ?? "").split(":").filter((d) => !d.startsWith(`${REPO}/`)).join(":");
  const out: Record<string, string> = {};
  for (const key of ["registry", "cafile", "proxy", "https-proxy", "noproxy", "strict-ssl"]) {
    try {
      const v = execFileSync("npm", ["config", "get", key], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, PATH: path } }).trim();
      if (v && v !== "null" && v !== "undefined") out[key] = v;
    } catch {
      // no npm here: the registry's defaults
    }
  }
  return out;
}

/** Environment variables passed into the root (a proxy the machine needs, say). */
function passedEnv(): string[] {
  const names = ["http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"];
  return names.filter((n) => process.env[n]).map((n) => `${n}=${process.env[n]}`);
}

async function must(cmd: string, args: string[], what: string, timeoutMs?: number): Promise<void> {
  const r = await run(cmd, args, { timeoutMs });
  if (r.code !== 0) throw new Error(`${what} failed (${r.code ?? r.signal}): ${(r.stderr || r.stdout).slice(-2000)}`);
}

/** Mount points at or below `dir`. */
function mountsUnder(dir: string): string[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => unescape(l.split(" ")[4]!))
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
}

/** The minbase root of SUITE from the machine's mirror, as a tarball in the cache. */
async function minbaseTarball(): Promise<string> {
  const main = debianSources().find((s) => s.suite === SUITE);
  if (!main) throw new Error(`no Debian ${SUITE} source with the main component in /etc/apt/sources.list*: the fresh-machine tests need one`);
  const file = join(CACHE, `minbase-${SUITE}-${createHash("sha256").update(main.uri).digest("hex").slice(0, 12)}.tar`);
  if (existsSync(file) && Date.now() - statSync(file).mtimeMs < MINBASE_MAX_AGE_MS) return file;
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(CACHE, "minbase."));
  try {
    const keyring = main.signedBy && existsSync(main.signedBy) ? [`--keyring=${main.signedBy}`] : [];
    await must("debootstrap", ["--variant=minbase", ...keyring, SUITE, join(work, "root"), main.uri], "debootstrap", 900_000);
    await must("tar", ["--numeric-owner", "-C", join(work, "root"), "-cf", join(work, "root.tar"), "."], "packing the minbase root");
    renameSync(join(work, "root.tar"), file);
  } finally {
    removeTree(work);
  }
  return file;
}

/** rm -rf, refusing while anything is mounted below (it would reach the host's files). */
function removeTree(dir: string): void {
  const left = mountsUnder(dir);
  if (left.length > 0) throw new Error(`not removing ${dir}: still mounted there: ${left.join(", ")}`);
  execFileSync("rm", ["-rf", "--one-file-system", dir]);
}

/** Hard links (or copies) the .debs of `from` that `to` lacks into `to`. */
function mergeDebs(from: string, to: string): void {
  if (!existsSync(from)) return;
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from)) {
    if (!f.endsWith(".deb") || existsSync(join(to, f))) continue;
    try {
      linkSync(join(from, f), join(to, f));
    } catch {
      copyFileSync(join(from, f), join(to, f));
    }
  }
}

/** A Debian minbase root, mounted and ready for chroot. */
export class DebianRoot {
  private constructor(readonly dir: string) {}

  /** A new root in a directory of its own (a fresh copy of the cached minbase). */
  static async create(name: string): Promise<DebianRoot> {
    const tarball = await minbaseTarball();
    const root = new DebianRoot(mkdtempSync(join(tmpdir(), `rkt-test-${name}-`)));
    try {
      await must("tar", ["--numeric-owner", "-C", root.dir, "-xf", tarball], "unpacking the minbase root");
      root.configure();
      root.mount();
    } catch (err) {
      root.cleanup();
      throw err;
    }
    return root;
  }

  path(...p: string[]): string {
    return join(this.dir, ...p);
  }

  /** The machine's apt sources, DNS and npm registry; no services started by packages. */
  private configure(): void {
    const sources = debianSources();
    writeFileSync(this.path("etc/apt/sources.list"), sources.map((s) => `deb ${s.uri} ${s.suite} main\n`).join(""));
    writeFileSync(this.path("usr/sbin/policy-rc.d"), "#!/bin/sh\nexit 101\n", { mode: 0o755 });
    copyFileSync("/etc/resolv.conf", this.path("etc/resolv.conf"));
    const npm = npmConfig();
    if (npm["cafile"] && existsSync(npm["cafile"])) {
      copyFileSync(npm["cafile"], this.path("etc/npm-ca.pem"));
      npm["cafile"] = "/etc/npm-ca.pem";
    } else delete npm["cafile"];
    writeFileSync(this.path("root/.npmrc"), Object.entries(npm).map(([k, v]) => `${k}=${v}\n`).join(""));
    mergeDebs(join(CACHE, "apt"), this.path(APT_ARCHIVES));
  }

  /** The root as a mount point of its own (rkt's mount namespaces need one), /proc, /sys, /dev. */
  private mount(): void {
    const mount = (...args: string[]) => execFileSync("mount", args);
    mount("--bind", this.dir, this.dir);
    mount("--make-private", this.dir);
    mount("-t", "proc", "proc", this.path("proc"));
    for (const d of ["sys", "dev"]) {
      mount("--rbind", `/${d}`, this.path(d));
      mount("--make-rslave", this.path(d));
    }
  }

  /** Copies the files of a git checkout (tracked and untracked, not ignored) to DEST in the root. */
  copyCheckout(repo: string, dest: string): void {
    const target = this.path(dest);
    mkdirSync(target, { recursive: true });
    execFileSync("bash", ["-c", 'git -C "$1" ls-files -z --cached --others --exclude-standard | (cd "$1" && tar --null -T - -cf -) | tar -xf - -C "$2"', "copy", repo, target]);
  }

  /** Runs a bash script as root in the root, with a clean environment. */
  exec(script: string, timeoutMs = 600_000): Promise<Result> {
    const env = ["HOME=/root", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "TERM=dumb", ...passedEnv()];
    return run("chroot", [this.dir, "/usr/bin/env", "-i", ...env, "/bin/bash", "-euo", "pipefail", "-c", script], { timeoutMs });
  }

  /**
   * Kills what still runs in the root (only processes started in it have their root there),
   * keeps the .debs apt downloaded for the next run, unmounts everything and removes the root.
   */
  cleanup(): void {
    for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      try {
        const root = readlinkSync(`/proc/${pid}/root`);
        if (root === this.dir || root.startsWith(`${this.dir}/`)) process.kill(Number(pid), "SIGKILL");
      } catch {
        // gone, or not ours to look at
      }
    }
    try {
      mergeDebs(this.path(APT_ARCHIVES), join(CACHE, "apt"));
    } catch {
      // the cache is an optimisation
    }
    if (mountsUnder(this.dir).length > 0) {
      try {
        execFileSync("umount", ["--recursive", this.dir], { stdio: "ignore" });
      } catch {
        execFileSync("umount", ["--recursive", "--lazy", this.dir], { stdio: "ignore" });
      }
    }
    removeTree(this.dir);
  }
}
