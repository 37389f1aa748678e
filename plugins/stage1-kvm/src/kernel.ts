// The guest kernel: the configured one, or Debian's linux-image package that scripts/setup.sh
// unpacked under <cacheDir>/kernel. QEMU boots its uncompressed vmlinux through the PVH
// entry point; the vmlinux is extracted from the compressed image once and cached.
import { Stage1Error } from "@rkt/stage1-api";
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { sha256, statKey, writeAtomic } from "./cache.js";
import { CONFIG_FILE, type KvmConfig } from "./config.js";
import { hasPvhNote } from "./elf.js";
import { extractVmlinux } from "./vmlinux.js";

export interface GuestKernel {
  /** The image as configured or installed. */
  source: string;
  /** What QEMU's -kernel gets: the cached PVH vmlinux, or the image itself. */
  boot: string;
  pvh: boolean;
  /** lib/modules/<release>; undefined when the kernel has what the guest needs built in. */
  modulesDir?: string;
}

function noKernel(cfg: KvmConfig, what: string): Stage1Error {
  return new Stage1Error(
    `${what}: run scripts/setup.sh (it fetches Debian's linux-image package into ${cfg.cacheDir}), ` +
      `or name a kernel with "kernel" in /etc/rkt/${CONFIG_FILE} or RKT_KVM_KERNEL`,
  );
}

/** The release of the one vmlinuz-<release> in a package's boot/ (the newest if several). */
function installedImage(root: string): { image: string; release: string } | undefined {
  let names: string[];
  try {
    names = readdirSync(join(root, "boot")).filter((n) => n.startsWith("vmlinuz-"));
  } catch {
    return undefined;
  }
  const name = names.sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).at(-1);
  return name ? { image: join(root, "boot", name), release: name.slice("vmlinuz-".length) } : undefined;
}

function configuredModules(cfg: KvmConfig, image: string): string | undefined {
  if (cfg.modules === null) return undefined;
  if (cfg.modules !== undefined) {
    if (!existsSync(cfg.modules)) throw new Stage1Error(`the guest kernel's modules ${cfg.modules} do not exist (set "modules" to its lib/modules/<release> directory)`);
    return cfg.modules;
  }
  // vmlinuz-<release> next to lib/modules/<release>, as installed or as a package unpacks.
  const release = basename(image).replace(/^(vmlinuz|vmlinux|bzImage)-?/, "");
  const candidates = release ? [join(dirname(image), "..", "lib", "modules", release), join("/lib/modules", release)] : [];
  const found = candidates.find((c) => existsSync(join(c, "kernel")));
  if (!found) {
    throw new Stage1Error(
      `cannot find the modules of the guest kernel ${image}: set "modules" in /etc/rkt/${CONFIG_FILE} (or RKT_KVM_MODULES) ` +
        `to its lib/modules/<release> directory, or to "" when virtio-mmio, 9p and the virtio console are built in`,
    );
  }
  return found;
}

/** The bootable vmlinux of image: extracted once, then taken from the cache. */
function bootImage(cfg: KvmConfig, image: string): { boot: string; pvh: boolean } {
  const key = sha256(statKey(image));
  const cached = join(cfg.cacheDir, "vmlinux", key);
  if (existsSync(cached)) return { boot: cached, pvh: true };
  if (existsSync(`${cached}.bzimage`)) return { boot: image, pvh: false };
  const found = extractVmlinux(readFileSync(image));
  try {
    if (found && hasPvhNote(found.vmlinux)) {
      writeAtomic(cached, found.vmlinux);
      return { boot: cached, pvh: true };
    }
    // No vmlinux with a PVH entry inside: QEMU boots the image the slow way (it decompresses
    // itself in the guest).
    writeAtomic(`${cached}.bzimage`, `${image}\n`);
  } catch (err) {
    throw new Stage1Error(`cannot write the kernel cache ${cfg.cacheDir}: ${(err as Error).message}`);
  }
  return { boot: image, pvh: false };
}

export function guestKernel(cfg: KvmConfig): GuestKernel {
  let image: string;
  let modulesDir: string | undefined;
  if (cfg.kernel !== undefined) {
    if (!existsSync(cfg.kernel)) throw noKernel(cfg, `the configured guest kernel ${cfg.kernel} does not exist`);
    image = cfg.kernel;
    modulesDir = configuredModules(cfg, image);
  } else {
    const link = join(cfg.cacheDir, "kernel");
    const root = existsSync(link) ? realpathSync(link) : undefined;
    const installed = root ? installedImage(root) : undefined;
    if (!root || !installed) throw noKernel(cfg, `no guest kernel for kvm pods in ${link}`);
    image = installed.image;
    modulesDir = cfg.modules === null ? undefined : (cfg.modules ?? join(root, "lib", "modules", installed.release));
    if (modulesDir && !existsSync(modulesDir)) throw noKernel(cfg, `the guest kernel's modules ${modulesDir} are missing`);
  }
  return { source: image, ...bootImage(cfg, image), ...(modulesDir ? { modulesDir } : {}) };
}
