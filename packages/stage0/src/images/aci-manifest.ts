// Reading the manifest of an ACI file without importing it. Signature checks need the
// image's name (keys are trusted per name prefix) before the image may enter the store,
// as in rkt, which reads the manifest first and imports only a verified image.
import { ManifestError, parseImageManifest } from "@rkt/appc";
import type { ImageManifest } from "@rkt/stage1-api";
import { spawn } from "node:child_process";
import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import { RktError } from "../errors.js";

const MAX_MANIFEST_BYTES = 16 * 2 ** 20;

function compression(file: string): "gzip" | "bzip2" | "xz" | "zstd" | "none" {
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

/** The uncompressed tar stream and a way to stop whatever produces it. */
function open(file: string): { stream: Readable; stop: () => void } {
  const kind = compression(file);
  if (kind === "none" || kind === "gzip") {
    const raw = createReadStream(file);
    if (kind === "none") return { stream: raw, stop: () => raw.destroy() };
    const gunzip = createGunzip();
    raw.on("error", (e) => gunzip.destroy(e));
    return { stream: raw.pipe(gunzip), stop: () => (raw.destroy(), gunzip.destroy()) };
  }
  const child = spawn(kind, ["-dc", file], { stdio: ["ignore", "pipe", "ignore"] });
  child.on("error", () => child.stdout.destroy(new Error(`the ${kind} command is needed to read this image`)));
  return { stream: child.stdout, stop: () => (child.kill(), child.stdout.destroy()) };
}

/** Reads the `manifest` entry of an ACI; stops reading as soon as it has it. */
export function readAciManifest(file: string, label: string): Promise<ImageManifest> {
  return new Promise((resolve, reject) => {
    const { stream, stop } = open(file);
    let settled = false;
    const finish = (err: Error | undefined, manifest?: ImageManifest): void => {
      if (settled) return;
      settled = true;
      stop();
      if (err) reject(err);
      else resolve(manifest!);
    };
    const parser = new Parser({
      onReadEntry: (entry: ReadEntry) => {
        if (entry.path.replace(/^\.\//, "") !== "manifest" || entry.type !== "File" || entry.size > MAX_MANIFEST_BYTES) {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on("data", (c: Buffer) => chunks.push(c));
        entry.on("end", () => {
          try {
            finish(undefined, parseImageManifest(Buffer.concat(chunks), `${label} (manifest)`));
          } catch (err) {
            finish(new RktError(err instanceof ManifestError ? `invalid image manifest: ${err.message}` : `${label}: ${(err as Error).message}`));
          }
        });
      },
    });
    parser.on("error", (e: Error) => finish(new RktError(`${label}: error reading ACI: ${e.message}`)));
    parser.on("end", () => finish(new RktError(`${label}: error reading ACI: no "manifest" file in the archive`)));
    stream.on("error", (e: Error) => finish(new RktError(`${label}: error reading ACI: ${e.message}`)));
    stream.pipe(parser);
  });
}
