// Test fixtures: minimal ELF64 little-endian files with named sections and note segments,
// enough for the parsers in ../elf.ts (not loadable by anything).

export interface ElfSpec {
  sections?: { name: string; data: Buffer }[];
  /** Notes, all in one PT_NOTE segment. */
  notes?: { name: string; type: number; desc: Buffer }[];
}

function align4(b: Buffer): Buffer {
  return b.length % 4 === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]);
}

export function buildElf(spec: ElfSpec): Buffer {
  const header = Buffer.alloc(64);
  header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  header.writeUInt16LE(2, 0x10); // ET_EXEC
  header.writeUInt16LE(0x3e, 0x12); // x86-64
  header.writeUInt32LE(1, 0x14);
  header.writeUInt16LE(64, 0x34);
  let body = Buffer.alloc(0);
  const offsetOf = (): number => 64 + 56 + body.length;
  // Program headers: one PT_NOTE when there are notes.
  const ph = Buffer.alloc(56);
  let phnum = 0;
  if (spec.notes?.length) {
    const notes = Buffer.concat(
      spec.notes.map((n) => {
        const h = Buffer.alloc(12);
        const name = Buffer.from(n.name + "\0");
        h.writeUInt32LE(name.length, 0);
        h.writeUInt32LE(n.desc.length, 4);
        h.writeUInt32LE(n.type, 8);
        return Buffer.concat([h, align4(name), align4(n.desc)]);
      }),
    );
    ph.writeUInt32LE(4, 0); // PT_NOTE
    ph.writeBigUInt64LE(BigInt(offsetOf()), 0x08);
    ph.writeBigUInt64LE(BigInt(notes.length), 0x20);
    body = Buffer.concat([body, notes]);
    phnum = 1;
  }
  header.writeBigUInt64LE(64n, 0x20); // e_phoff
  header.writeUInt16LE(56, 0x36);
  header.writeUInt16LE(phnum, 0x38);
  // Sections: a null section, the given ones, then .shstrtab.
  const secs = [...(spec.sections ?? [])];
  const names = Buffer.from(["", ...secs.map((s) => s.name), ".shstrtab"].join("\0") + "\0");
  const placed: { nameOff: number; offset: number; size: number }[] = [];
  let nameOff = 1;
  for (const s of secs) {
    placed.push({ nameOff, offset: offsetOf(), size: s.data.length });
    nameOff += s.name.length + 1;
    body = Buffer.concat([body, s.data]);
  }
  placed.push({ nameOff, offset: offsetOf(), size: names.length });
  body = Buffer.concat([body, names]);
  const shoff = offsetOf();
  const sh = Buffer.alloc(64 * (placed.length + 1));
  placed.forEach((p, i) => {
    const o = 64 * (i + 1);
    sh.writeUInt32LE(p.nameOff, o);
    sh.writeUInt32LE(1, o + 4);
    sh.writeBigUInt64LE(BigInt(p.offset), o + 0x18);
    sh.writeBigUInt64LE(BigInt(p.size), o + 0x20);
  });
  header.writeBigUInt64LE(BigInt(shoff), 0x28);
  header.writeUInt16LE(64, 0x3a);
  header.writeUInt16LE(placed.length + 1, 0x3c);
  header.writeUInt16LE(placed.length, 0x3e);
  return Buffer.concat([header, ph, body, sh]);
}

/** A kernel module object with a .modinfo section. */
export function buildModule(info: Record<string, string>): Buffer {
  const modinfo = Buffer.from(Object.entries(info).map(([k, v]) => `${k}=${v}\0`).join(""));
  return buildElf({ sections: [{ name: ".text", data: Buffer.from("code") }, { name: ".modinfo", data: modinfo }] });
}

/** Appends a fake module signature as the kernel's sign-file does (PKCS#7: signer and key id empty). */
export function signModule(ko: Buffer, sigLen = 64): Buffer {
  const info = Buffer.alloc(12);
  info[2] = 2; // PKEY_ID_PKCS7
  info.writeUInt32BE(sigLen, 8);
  return Buffer.concat([ko, Buffer.alloc(sigLen, 0xaa), info, Buffer.from("~Module signature appended~\n")]);
}
