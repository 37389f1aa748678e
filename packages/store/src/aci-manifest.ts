// Reading the manifest of an ACI file without importing it. Signature checks need the
// image's name (keys are trusted per name prefix) before the image may enter the store, as
// in rkt, which reads the manifest first and imports only a verified image.
import { ManifestError, parseImageManifest } from "@rkt/appc";
import type { ImageManifest } from "@rkt/stage1-api";
import type { ReadEntry } from "tar";
import { openDecompressed } from "./decompress.js";
import { StoreError } from "./errors.js";

const MAX_MANIFEST_BYTES = 16 * 2 ** 20;

/** Reads the `manifest` entry of an ACI; stops reading as soon as it has it. */
export async function readAciManifest(file: string, label: string): Promise<ImageManifest> {
  const { Parser } = await import("tar");
  return new Promise((resolve, reject) => {
    const stream = openDecompressed(file, label);
    let settled = false;
    const finish = (err: Error | undefined, manifest?: ImageManifest): void => {
      if (settled) return;
      settled = true;
      stream.destroy();
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
            finish(new StoreError(err instanceof ManifestError ? `invalid image manifest: ${err.message}` : `${label}: ${(err as Error).message}`));
          }
        });
      },
    });
    parser.on("error", (e: Error) => finish(new StoreError(`${label}: error reading ACI: ${e.message}`)));
    parser.on("end", () => finish(new StoreError(`${label}: error reading ACI: no "manifest" file in the archive`)));
    stream.on("error", (e: Error) => finish(new StoreError(`${label}: error reading ACI: ${e.message}`)));
    stream.pipe(parser);
  });
}
