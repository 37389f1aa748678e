// A writer of cpio archives in the "newc" format (the one the Linux kernel unpacks as an
// initramfs). Entries are written exactly as given, with inode numbers counted from 1, owner
// root and mtime 0 unless set, so equal contents give equal bytes: the initramfs cache is
// keyed by the archive's hash.

export type CpioEntry =
  | { kind: "dir"; path: string; mode?: number }
  | { kind: "file"; path: string; data: Buffer; mode?: number }
  | { kind: "symlink"; path: string; target: string }
  | { kind: "char"; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const TRAILER = "TRAILER!!!";

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`cpio: field out of range: ${n}`);
  return n.toString(16).padStart(8, "0");
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function header(name: string, ino: number, mode: number, nlink: number, size: number, rdev: [number, number] = [0, 0]): Buffer {
  const nameBytes = Buffer.from(name + "\0", "utf8");
  const fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev[0], rdev[1], nameBytes.length, 0];
  const head = Buffer.from("070701" + fields.map(hex8).join(""), "ascii");
  // The header (110 bytes) and the name together are padded to a multiple of 4.
  return Buffer.concat([head, nameBytes, Buffer.alloc(pad4(head.length + nameBytes.length))]);
}

/** Paths are relative to the archive's root ("init", "lib/modules/x.ko"); no "..". */
function checkPath(path: string): string {
  const p = path.replace(/^\/+/, "");
  if (p === "" || p.split("/").some((c) => c === "" || c === "." || c === "..")) {
    throw new Error(`cpio: invalid path ${JSON.stringify(path)}`);
  }
  return p;
}

export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 0;
  for (const e of entries) {
    const name = checkPath(e.path);
    ino++;
    switch (e.kind) {
      case "dir":
        parts.push(header(name, ino, S_IFDIR | (e.mode ?? 0o755), 2, 0));
        break;
      case "file":
        parts.push(header(name, ino, S_IFREG | (e.mode ?? 0o644), 1, e.data.length), e.data, Buffer.alloc(pad4(e.data.length)));
        break;
      case "symlink": {
        const target = Buffer.from(e.target, "utf8");
        parts.push(header(name, ino, S_IFLNK | 0o777, 1, target.length), target, Buffer.alloc(pad4(target.length)));
        break;
      }
      case "char":
        parts.push(header(name, ino, S_IFCHR | (e.mode ?? 0o600), 1, 0, [e.major, e.minor]));
        break;
    }
  }
  parts.push(header(TRAILER, 0, 0, 1, 0));
  return Buffer.concat(parts);
}
