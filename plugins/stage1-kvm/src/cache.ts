// The kvm flavor's cache directory (<cacheDir>, default /var/cache/rkt/kvm):
//
//   kernel -> linux-image-<release>/        the Debian package scripts/setup.sh unpacked
//   vmlinux/<key>                            uncompressed kernels, by image (path, inode, size, mtime)
//   vmlinux/<key>.bzimage                    marks an image without a bootable vmlinux (boot it as is)
//   initramfs/<sha256>.cpio                  initramfs images, by content
//   initramfs/<key>.ref                      which image a set of inputs (helper, modules) gave
//
// Files are written to a temporary name and renamed, so concurrent runs never see half of
// one; two runs building the same file at once both succeed.
import { createHash } from "node:crypto";
import { mkdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** A key that changes whenever the file at path is replaced or modified. */
export function statKey(path: string): string {
  const real = realpathSync(path);
  const st = statSync(real, { bigint: true });
  return `${real}:${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
}

export function sha256(...parts: (string | Buffer)[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex");
}

let counter = 0;

export function writeAtomic(path: string, data: string | Buffer, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const tmp = `${path}.${process.pid}.${++counter}.tmp`;
  try {
    writeFileSync(tmp, data, { mode });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
