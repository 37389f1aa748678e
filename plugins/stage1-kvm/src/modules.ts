// The kernel modules the guest loads from its initramfs, with their dependencies in load
// order. Debian's linux-image package ships no modules.dep (depmod makes it on install), so
// the dependencies come from each module's own .modinfo ("depends=a,b"). Modules the kernel
// has built in (modules.builtin) are skipped.
import { Stage1Error } from "@rkt/stage1-api";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { modinfo } from "./elf.js";

/**
 * What the guest needs: the virtio-mmio transport (QEMU's microvm machine has no PCI), the
 * 9p share of the pod's files, the virtio-serial control port, and the network card for
 * --net=host (loaded always: one initramfs serves every pod, and a driver without its device
 * costs nothing).
 */
export const GUEST_MODULES: readonly string[] = ["virtio_mmio", "9pnet_virtio", "9p", "virtio_console", "virtio_net"];

const SIGNATURE_MAGIC = Buffer.from("~Module signature appended~\n");
/** struct module_signature: algo, hash, id_type, signer_len, key_id_len, pad[3], sig_len (be32). */
const SIGNATURE_INFO = 12;

/**
 * The module without its appended signature. Debian signs its modules; its kernel checks a
 * signature when there is one but loads unsigned modules too (MODULE_SIG_FORCE is off and
 * nothing locks the guest down), and under TCG emulation the RSA check costs about 4 ms per
 * module, a third of the guest's module loading. The files come from the package apt
 * verified when it downloaded it. (The guest kernel notes itself as tainted.)
 */
export function stripSignature(ko: Buffer): Buffer {
  if (ko.length < SIGNATURE_MAGIC.length + SIGNATURE_INFO) return ko;
  if (!ko.subarray(ko.length - SIGNATURE_MAGIC.length).equals(SIGNATURE_MAGIC)) return ko;
  const info = ko.length - SIGNATURE_MAGIC.length - SIGNATURE_INFO;
  const signerLen = ko[info + 3]!;
  const keyIdLen = ko[info + 4]!;
  const sigLen = ko.readUInt32BE(info + 8);
  const end = info - sigLen - signerLen - keyIdLen;
  return end > 0 ? ko.subarray(0, end) : ko;
}

export interface GuestModule {
  name: string;
  /** The uncompressed object. */
  data: Buffer;
}

const SUFFIX = /\.ko(\.xz|\.zst|\.gz)?$/;

export function moduleName(file: string): string {
  return basename(file).replace(SUFFIX, "").replace(/-/g, "_");
}

function walk(dir: string, into: Map<string, string>): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, into);
    else if (SUFFIX.test(e.name)) into.set(moduleName(e.name), p);
  }
}

function builtins(modulesDir: string): Set<string> {
  try {
    return new Set(
      readFileSync(join(modulesDir, "modules.builtin"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map(moduleName),
    );
  } catch {
    return new Set();
  }
}

function uncompressed(file: string): Buffer {
  const data = readFileSync(file);
  if (file.endsWith(".ko")) return data;
  if (file.endsWith(".gz")) return gunzipSync(data);
  const cmd = file.endsWith(".xz") ? "xz" : "zstd";
  const r = spawnSync(cmd, ["-dcq"], { input: data, maxBuffer: 1 << 28 });
  if (r.error || r.status !== 0) throw new Stage1Error(`cannot decompress the kernel module ${file} (is ${cmd} installed?)`);
  return r.stdout;
}

/** The modules `wanted` needs from modulesDir (lib/modules/<release>), dependencies first. */
export function resolveModules(modulesDir: string, wanted: readonly string[] = GUEST_MODULES): GuestModule[] {
  const files = new Map<string, string>();
  try {
    walk(join(modulesDir, "kernel"), files);
  } catch (err) {
    throw new Stage1Error(`cannot read the guest kernel's modules in ${modulesDir}: ${(err as Error).message}`);
  }
  const builtin = builtins(modulesDir);
  const out: GuestModule[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, chain: string[]): void => {
    if (builtin.has(name) || state.get(name) === "done") return;
    if (state.get(name) === "visiting") throw new Stage1Error(`kernel modules depend on each other in a cycle: ${[...chain, name].join(" -> ")}`);
    const file = files.get(name);
    if (!file) {
      throw new Stage1Error(
        `the guest kernel has no module ${name} in ${modulesDir} and does not have it built in (a kvm guest needs virtio-mmio, 9p and the virtio console)`,
      );
    }
    state.set(name, "visiting");
    const data = uncompressed(file);
    let deps: string[];
    try {
      deps = (modinfo(data).get("depends") ?? "").split(",").filter(Boolean).map(moduleName);
    } catch (err) {
      throw new Stage1Error(`${file}: ${(err as Error).message}`);
    }
    for (const d of deps) visit(d, [...chain, name]);
    state.set(name, "done");
    out.push({ name, data: stripSignature(data) });
  };
  for (const w of wanted) visit(moduleName(w), []);
  return out;
}
