// The uncompressed kernel (vmlinux) inside a compressed boot image (vmlinuz / bzImage), as
// Linux's scripts/extract-vmlinux finds it: look for each compression format's magic bytes,
// decompress from there and keep the first result that is an ELF file. Debian's images are
// XZ-compressed; QEMU boots the extracted ELF through its PVH entry point and so skips the
// in-guest decompression, which costs seconds under TCG emulation.
import { spawnSync } from "node:child_process";
import { isElf64 } from "./elf.js";

interface Format {
  name: string;
  magic: number[];
  decompress(data: Buffer): Buffer | undefined;
}

/** Runs a decompressor on data; trailing bytes after the stream make most tools fail, but
 * what they wrote before is the payload (extract-vmlinux ignores their status too). */
function tool(cmd: string, args: string[]): (data: Buffer) => Buffer | undefined {
  return (data) => {
    const r = spawnSync(cmd, args, { input: data, maxBuffer: 1 << 30, stdio: ["pipe", "pipe", "ignore"] });
    if (r.error) return undefined; // the tool is not installed
    return r.stdout;
  };
}

export const FORMATS: readonly Format[] = [
  { name: "gzip", magic: [0x1f, 0x8b, 0x08], decompress: tool("gzip", ["-dc"]) },
  { name: "xz", magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], decompress: tool("xz", ["-dc", "--single-stream"]) },
  { name: "zstd", magic: [0x28, 0xb5, 0x2f, 0xfd], decompress: tool("zstd", ["-dcq"]) },
  { name: "bzip2", magic: [0x42, 0x5a, 0x68], decompress: tool("bzip2", ["-dc"]) },
  { name: "lzma", magic: [0x5d, 0x00, 0x00, 0x00], decompress: tool("xz", ["-dc", "--format=lzma"]) },
  { name: "lz4", magic: [0x02, 0x21, 0x4c, 0x18], decompress: tool("lz4", ["-dcq"]) },
];

/** The vmlinux in a boot image (or the image itself if it is one); undefined if none is found. */
export function extractVmlinux(image: Buffer): { vmlinux: Buffer; format: string } | undefined {
  if (isElf64(image)) return { vmlinux: image, format: "none" };
  for (const f of FORMATS) {
    const magic = Buffer.from(f.magic);
    // A few candidates per format: the magic bytes can also occur by chance before the payload.
    for (let at = image.indexOf(magic), tries = 0; at >= 0 && tries < 8; at = image.indexOf(magic, at + 1), tries++) {
      const out = f.decompress(image.subarray(at));
      if (out && isElf64(out)) return { vmlinux: out, format: f.name };
    }
  }
  return undefined;
}
