// Just enough of ELF64 (little endian, as on x86-64) to read a kernel module's .modinfo and
// to find the Xen PVH entry note of a vmlinux, which lets QEMU boot it directly.

export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

export function isElf64(b: Buffer): boolean {
  return b.length >= 64 && b.subarray(0, 4).equals(ELF_MAGIC) && b[4] === 2 && b[5] === 1;
}

interface Section {
  name: string;
  offset: number;
  size: number;
}

function sections(b: Buffer): Section[] {
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const shstrndx = b.readUInt16LE(0x3e);
  if (shoff === 0 || shnum === 0 || shoff + shnum * shentsize > b.length || shstrndx >= shnum) return [];
  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * shentsize;
    raw.push({ nameOff: b.readUInt32LE(h), offset: Number(b.readBigUInt64LE(h + 0x18)), size: Number(b.readBigUInt64LE(h + 0x20)) });
  }
  const strtab = raw[shstrndx]!;
  return raw.map((s) => {
    const start = strtab.offset + s.nameOff;
    const end = b.indexOf(0, start);
    return { name: b.toString("latin1", start, end < 0 ? start : end), offset: s.offset, size: s.size };
  });
}

/** The key=value pairs of a module's .modinfo section (license, depends, vermagic...). */
export function modinfo(ko: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  if (!isElf64(ko)) throw new Error("not an ELF64 object");
  const sec = sections(ko).find((s) => s.name === ".modinfo");
  if (!sec || sec.offset + sec.size > ko.length) return out;
  for (const entry of ko.toString("latin1", sec.offset, sec.offset + sec.size).split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0 && !out.has(entry.slice(0, eq))) out.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return out;
}

const PT_NOTE = 4;
const XEN_ELFNOTE_PHYS32_ENTRY = 18;

/** Whether a vmlinux has the Xen PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY, Linux's CONFIG_PVH). */
export function hasPvhNote(vmlinux: Buffer): boolean {
  if (!isElf64(vmlinux)) return false;
  const phoff = Number(vmlinux.readBigUInt64LE(0x20));
  const phentsize = vmlinux.readUInt16LE(0x36);
  const phnum = vmlinux.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const h = phoff + i * phentsize;
    if (h + 0x30 > vmlinux.length || vmlinux.readUInt32LE(h) !== PT_NOTE) continue;
    let off = Number(vmlinux.readBigUInt64LE(h + 0x08));
    const end = Math.min(off + Number(vmlinux.readBigUInt64LE(h + 0x20)), vmlinux.length);
    while (off + 12 <= end) {
      const namesz = vmlinux.readUInt32LE(off);
      const descsz = vmlinux.readUInt32LE(off + 4);
      const type = vmlinux.readUInt32LE(off + 8);
      const name = vmlinux.toString("latin1", off + 12, off + 12 + Math.max(0, namesz - 1));
      if (name === "Xen" && type === XEN_ELFNOTE_PHYS32_ENTRY) return true;
      off += 12 + align4(namesz) + align4(descsz);
    }
  }
  return false;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
