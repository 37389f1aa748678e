// Opening a possibly compressed archive as a stream of its uncompressed bytes. gzip and
// zstd are handled in-process (node:zlib); bzip2 and xz through the system's tools when present.
import { createRequire } from "node:module";
import { createReadStream, openSync, readSync, closeSync } from "node:fs";
import type { Readable } from "node:stream";
import { StoreError } from "./errors.js";

export type Compression = "none" | "gzip" | "bzip2" | "xz" | "zstd";

export function detectCompression(file: string): Compression {
  const head = Buffer.alloc(6);
  const fd = openSync(file, "r");
  let n: number;
  try {
    n = readSync(fd, head, 0, 6, 0);
  } finally {
    closeSync(fd);
  }
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (n >= 3 && head.subarray(0, 3).toString("latin1") === "BZh") return "bzip2";
  if (n >= 6 && head.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return "xz";
  if (n >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return "zstd";
  return "none";
}

const TOOLS: Record<Exclude<Compression, "none" | "gzip" | "zstd">, string> = { bzip2: "bzip2", xz: "xz" };

/** The uncompressed bytes of `file`. Errors of the decompressor surface as stream errors. */
export function openDecompressed(file: string, label = file): Readable {
  const kind = detectCompression(file);
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  if (kind === "none") return raw;
  if (kind === "gzip" || kind === "zstd") {
    const zlib = createRequire(import.meta.url)("node:zlib") as typeof import("node:zlib");
    const inflate = kind === "gzip" ? zlib.createGunzip({ chunkSize: 1 << 20 }) : zlib.createZstdDecompress({ chunkSize: 1 << 20 });
    raw.on("error", (e) => inflate.destroy(e));
    inflate.on("error", () => raw.destroy());
    return raw.pipe(inflate);
  }
  const tool = TOOLS[kind];
  // child_process is loaded only for the rare bzip2/xz images.
  const { spawn } = createRequire(import.meta.url)("node:child_process") as typeof import("node:child_process");
  const child = spawn(tool, ["-dc", file], { stdio: ["ignore", "pipe", "pipe"] });
  raw.destroy();
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const out = child.stdout;
  child.on("error", () => out.destroy(new StoreError(`${label} is ${kind}-compressed, but the ${tool} command is not installed`)));
  child.on("close", (code) => {
    if (code !== 0 && code !== null) out.destroy(new StoreError(`${label}: ${tool} failed: ${stderr.trim() || `exit code ${code}`}`));
  });
  return out;
}
