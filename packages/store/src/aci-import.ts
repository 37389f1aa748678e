// Importing an ACI into the store: decompress once, and in the same pass hash the
// uncompressed tar (its sha512 is the image ID), copy it to a temporary blob and check its
// layout and manifest. Only a complete, valid image is renamed into place: a truncated or
// malformed one leaves the store exactly as it was.
import { ManifestError, parseImageManifest } from "@rkt/appc";
import type { ImageManifest } from "@rkt/stage1-api";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadEntry } from "tar";
import { openDecompressed } from "./decompress.js";
import { StoreError } from "./errors.js";

export interface ImportedAci {
  /** Full hex sha512 of the uncompressed tar. */
  digest: string;
  /** Where the uncompressed tar was written (inside the store's tmp dir). */
  tmpBlob: string;
  manifest: ImageManifest;
  manifestBytes: Buffer;
  size: number;
}

export interface AciImportOptions {
  tmpDir: string;
  /** Name of the source for messages (a path or URL). */
  label: string;
  /** Upper bound on the uncompressed size. */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 64 * 2 ** 30;
const MAX_MANIFEST_BYTES = 16 * 2 ** 20;

/** Reads and checks an ACI file; the caller moves `tmpBlob` into the store or removes it. */
export async function readAci(file: string, opts: AciImportOptions): Promise<ImportedAci> {
  mkdirSync(opts.tmpDir, { recursive: true, mode: 0o750 });
  const tmpBlob = join(opts.tmpDir, `aci-${randomBytes(8).toString("hex")}.tar`);
  const hash = createHash("sha512");
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  let size = 0;
  let manifestBytes: Buffer | undefined;
  let sawRootfs = false;
  let layoutError: Error | undefined;

  // Loaded here, not at import time: only imports need a tar parser.
  const { Parser } = await import("tar");
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      const path = entry.path.replace(/^\.\//, "");
      if (path === "manifest") {
        if (entry.type !== "File") layoutError ??= new StoreError(`${opts.label}: "manifest" is not a regular file`);
        if (entry.size > MAX_MANIFEST_BYTES) layoutError ??= new StoreError(`${opts.label}: the manifest is larger than 16 MiB`);
        const chunks: Buffer[] = [];
        entry.on("data", (c: Buffer) => chunks.push(c));
        entry.on("end", () => (manifestBytes = Buffer.concat(chunks)));
        return;
      }
      if (path === "rootfs" || path === "rootfs/" || path.startsWith("rootfs/")) sawRootfs = true;
      else if (path !== "" && path !== "./") {
        layoutError ??= new StoreError(
          `${opts.label}: unexpected entry ${JSON.stringify(entry.path)}: an ACI holds only "manifest" and "rootfs/"`,
        );
      }
      entry.resume();
    },
  });

  const tee = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > maxBytes) {
        cb(new StoreError(`${opts.label}: the image expands beyond the limit of ${maxBytes} bytes`));
        return;
      }
      hash.update(chunk);
      if (!parser.write(chunk)) parser.once("drain", () => cb(null, chunk));
      else cb(null, chunk);
    },
    flush(cb) {
      parser.end();
      cb();
    },
  });
  const parsed = new Promise<void>((resolve, reject) => {
    parser.on("error", (e: Error) => reject(new StoreError(`${opts.label}: error reading ACI: ${tarMessage(e)}`)));
    parser.on("end", () => resolve());
  });
  parsed.catch(() => {}); // observed below; avoid an unhandled rejection while the pipeline runs

  try {
    await pipeline(openDecompressed(file, opts.label), tee, createWriteStream(tmpBlob, { mode: 0o640 }));
    await parsed;
    if (layoutError) throw layoutError;
    if (!manifestBytes) throw new StoreError(`${opts.label}: error reading ACI: no "manifest" file in the archive`);
    if (!sawRootfs) throw new StoreError(`${opts.label}: error reading ACI: no "rootfs" directory in the archive`);
    let manifest: ImageManifest;
    try {
      manifest = parseImageManifest(manifestBytes, `${opts.label} (manifest)`);
    } catch (err) {
      if (err instanceof ManifestError) throw new StoreError(`invalid image manifest: ${err.message}`);
      throw err;
    }
    return { digest: hash.digest("hex"), tmpBlob, manifest, manifestBytes, size };
  } catch (err) {
    rmSync(tmpBlob, { force: true });
    if (err instanceof StoreError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === "Z_DATA_ERROR" || e.code === "Z_BUF_ERROR") {
      throw new StoreError(`${opts.label}: error reading ACI: corrupt gzip data (${e.message})`);
    }
    throw new StoreError(`${opts.label}: error reading ACI: ${e.message}`, { cause: err });
  }
}

function tarMessage(e: Error): string {
  return e.message.replace(/^TAR_BAD_ARCHIVE: /, "").replace(/^Truncated input/, "truncated archive");
}
