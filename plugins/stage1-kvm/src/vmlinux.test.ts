import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { hasPvhNote, isElf64 } from "./elf.js";
import { buildElf } from "./testing/elf-builder.js";
import { extractVmlinux } from "./vmlinux.js";

const PVH = { name: "Xen", type: 18, desc: Buffer.from([0, 0, 0, 1]) };
const vmlinux = buildElf({ notes: [{ name: "Linux", type: 6, desc: Buffer.from("6.1") }, PVH], sections: [{ name: ".text", data: Buffer.alloc(4096, 0x90) }] });

/** A stand-in for a bzImage: a setup header, the compressed kernel, then trailing data. */
function bzImage(payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from("MZ fake setup code \x1f\x8b not gzip "), payload, Buffer.from("trailing data after the payload")]);
}

describe("extractVmlinux", () => {
  test("finds an xz payload (Debian's kernels) past a false magic and trailing bytes", () => {
    const xz = execFileSync("xz", ["-c", "--check=crc32"], { input: vmlinux });
    const out = extractVmlinux(bzImage(xz));
    expect(out?.format).toBe("xz");
    expect(out?.vmlinux.equals(vmlinux)).toBe(true);
  });

  test("finds a gzip payload", () => {
    const out = extractVmlinux(bzImage(gzipSync(vmlinux)));
    expect(out?.format).toBe("gzip");
    expect(out?.vmlinux.equals(vmlinux)).toBe(true);
  });

  test("an ELF image is its own vmlinux", () => {
    expect(extractVmlinux(vmlinux)?.format).toBe("none");
  });

  test("nothing inside: undefined", () => {
    expect(extractVmlinux(bzImage(gzipSync(Buffer.from("not an ELF file at all"))))).toBeUndefined();
  });
});

describe("ELF notes", () => {
  test("the PVH entry note is recognised, and only that one", () => {
    expect(isElf64(vmlinux)).toBe(true);
    expect(hasPvhNote(vmlinux)).toBe(true);
    expect(hasPvhNote(buildElf({ notes: [{ name: "Xen", type: 17, desc: Buffer.alloc(4) }] }))).toBe(false);
    expect(hasPvhNote(buildElf({ sections: [{ name: ".text", data: Buffer.alloc(16) }] }))).toBe(false);
    expect(hasPvhNote(Buffer.from("not elf"))).toBe(false);
  });
});
