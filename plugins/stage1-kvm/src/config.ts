// The kvm flavor's settings: <local config dir>/stage1-kvm.json (default /etc/rkt/stage1-kvm.json),
// each setting overridable by an environment variable:
//
//   {
//     "kernel": "/boot/vmlinuz-6.1.0-56-amd64",          RKT_KVM_KERNEL   the guest kernel (a vmlinuz/bzImage or a vmlinux)
//     "modules": "/lib/modules/6.1.0-56-amd64",          RKT_KVM_MODULES  its modules; "" or null: all built in
//     "accel": "auto",                                   RKT_KVM_ACCEL    auto, kvm or tcg
//     "bootTimeout": 60,                                 RKT_KVM_BOOT_TIMEOUT  seconds until a VM that has not booted is killed
//     "stopTimeout": 10,                                 RKT_KVM_STOP_TIMEOUT  seconds between SIGTERM and SIGKILL for the apps on stop
//     "cacheDir": "/var/cache/rkt/kvm",                  RKT_KVM_CACHE_DIR  the kernel scripts/setup.sh fetched, extracted kernels, initramfs images
//     "qemu": "/usr/bin/qemu-system-x86_64"              RKT_KVM_QEMU
//   }
//
// Without "kernel", the kernel is the Debian linux-image package scripts/setup.sh unpacked
// under <cacheDir>/kernel.
import { Stage1Error } from "@rkt/stage1-api";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const CONFIG_FILE = "stage1-kvm.json";
export const DEFAULT_CACHE_DIR = "/var/cache/rkt/kvm";
export const DEFAULT_BOOT_TIMEOUT = 60;
export const DEFAULT_STOP_TIMEOUT = 10;

export type Accel = "auto" | "kvm" | "tcg";

export interface KvmConfig {
  kernel?: string;
  /** undefined: found next to the kernel; null: none (everything the guest needs is built in). */
  modules?: string | null;
  accel: Accel;
  bootTimeout: number;
  stopTimeout: number;
  cacheDir: string;
  qemu?: string;
}

const KEYS = ["kernel", "modules", "accel", "bootTimeout", "stopTimeout", "cacheDir", "qemu"] as const;

function seconds(v: unknown, what: string): number {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n) || n <= 0 || n > 86400) {
    throw new Stage1Error(`${what}: ${JSON.stringify(v)} is not a number of seconds (more than 0, at most 86400)`);
  }
  return n;
}

function path(v: unknown, what: string): string {
  if (typeof v !== "string" || !v.startsWith("/")) throw new Stage1Error(`${what}: ${JSON.stringify(v)} is not an absolute path`);
  return v;
}

function accel(v: unknown, what: string): Accel {
  if (v !== "auto" && v !== "kvm" && v !== "tcg") throw new Stage1Error(`${what}: ${JSON.stringify(v)} is not one of auto, kvm, tcg`);
  return v;
}

export function loadConfig(localConfigDir: string, env: Record<string, string | undefined> = process.env): KvmConfig {
  const file = join(localConfigDir, CONFIG_FILE);
  let raw: Record<string, unknown> = {};
  let text: string | undefined;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new Stage1Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (text !== undefined) {
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new Stage1Error(`${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Stage1Error(`${file} must hold a JSON object`);
    const unknown = Object.keys(raw).filter((k) => !(KEYS as readonly string[]).includes(k));
    if (unknown.length > 0) throw new Stage1Error(`${file}: unknown setting ${unknown.join(", ")} (known: ${KEYS.join(", ")})`);
  }
  const cfg: KvmConfig = {
    accel: "auto",
    bootTimeout: DEFAULT_BOOT_TIMEOUT,
    stopTimeout: DEFAULT_STOP_TIMEOUT,
    cacheDir: DEFAULT_CACHE_DIR,
  };
  const from = (key: (typeof KEYS)[number], envName: string): [unknown, string] | undefined => {
    const e = env[envName];
    if (e !== undefined && e !== "") return [e, envName];
    if (key in raw) return [raw[key], `${file}: ${key}`];
    return undefined;
  };
  const k = from("kernel", "RKT_KVM_KERNEL");
  if (k) cfg.kernel = path(k[0], k[1]);
  const m = from("modules", "RKT_KVM_MODULES");
  if (m) cfg.modules = m[0] === null || m[0] === "" ? null : path(m[0], m[1]);
  const a = from("accel", "RKT_KVM_ACCEL");
  if (a) cfg.accel = accel(a[0], a[1]);
  const b = from("bootTimeout", "RKT_KVM_BOOT_TIMEOUT");
  if (b) cfg.bootTimeout = seconds(b[0], b[1]);
  const s = from("stopTimeout", "RKT_KVM_STOP_TIMEOUT");
  if (s) cfg.stopTimeout = seconds(s[0], s[1]);
  const c = from("cacheDir", "RKT_KVM_CACHE_DIR");
  if (c) cfg.cacheDir = path(c[0], c[1]);
  const q = from("qemu", "RKT_KVM_QEMU");
  if (q) cfg.qemu = path(q[0], q[1]);
  return cfg;
}
