// The guest's initramfs: the static isolation helper as /init (it runs as `vm-guest`, see
// packages/isolation/native/vmguest.c), the kernel modules the guest needs and the order to
// load them in (/etc/rkt-modules), /dev/console for the init's messages, and the directories
// the init mounts on. Uncompressed: under TCG emulation the kernel would spend longer
// decompressing it than QEMU spends loading it.
//
// Images are cached by content hash; a small reference file maps the inputs (the helper's
// and the modules directory's identity) to the image, so a warm run costs a few stat calls.
import { Stage1Error } from "@rkt/stage1-api";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256, statKey, writeAtomic } from "./cache.js";
import { cpioNewc, type CpioEntry } from "./cpio.js";
import { GUEST_MODULES, resolveModules, type GuestModule } from "./modules.js";

/** Bumped whenever the layout below changes, so old references are not reused. */
const FORMAT = "rkt-kvm-initramfs-2";

export const MODULE_LIST = "etc/rkt-modules";

export function initramfsEntries(helper: Buffer, modules: readonly GuestModule[]): CpioEntry[] {
  const entries: CpioEntry[] = [
    ...["dev", "proc", "sys", "root", "etc", "lib", "lib/modules"].map((path): CpioEntry => ({ kind: "dir", path })),
    { kind: "char", path: "dev/console", major: 5, minor: 1, mode: 0o600 },
    { kind: "file", path: "init", data: helper, mode: 0o755 },
  ];
  for (const m of modules) entries.push({ kind: "file", path: `lib/modules/${m.name}.ko`, data: m.data });
  const list = modules.map((m) => `/lib/modules/${m.name}.ko\n`).join("");
  entries.push({ kind: "file", path: MODULE_LIST, data: Buffer.from(list) });
  return entries;
}

export interface InitramfsInput {
  cacheDir: string;
  helper: string;
  modulesDir?: string;
  modules?: readonly string[];
}

/** The path of the cached initramfs for these inputs, built if needed. */
export function guestInitramfs(input: InitramfsInput): string {
  const wanted = input.modules ?? GUEST_MODULES;
  const dir = join(input.cacheDir, "initramfs");
  let inputs: string;
  try {
    inputs = sha256(
      FORMAT,
      statKey(input.helper),
      input.modulesDir ? statKey(input.modulesDir) : "-",
      input.modulesDir && existsSync(join(input.modulesDir, "modules.builtin")) ? statKey(join(input.modulesDir, "modules.builtin")) : "-",
      wanted.join(","),
    );
  } catch (err) {
    throw new Stage1Error(`cannot read the inputs of the guest's initramfs: ${(err as Error).message}`);
  }
  const ref = join(dir, `${inputs}.ref`);
  try {
    const image = join(dir, `${readFileSync(ref, "utf8").trim()}.cpio`);
    if (existsSync(image)) return image;
  } catch {
    /* not built yet */
  }
  const modules = input.modulesDir ? resolveModules(input.modulesDir, wanted) : [];
  const archive = cpioNewc(initramfsEntries(readFileSync(input.helper), modules));
  const hash = sha256(archive);
  const image = join(dir, `${hash}.cpio`);
  try {
    if (!existsSync(image)) writeAtomic(image, archive);
    writeAtomic(ref, `${hash}\n`);
  } catch (err) {
    throw new Stage1Error(`cannot write the initramfs cache ${dir}: ${(err as Error).message}`);
  }
  return image;
}
