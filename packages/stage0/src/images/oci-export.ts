// `rkt image export` of an OCI/Docker image: an oci-archive (a tar of an OCI image layout
// holding exactly the image's manifest, config and layers, as stored), which
// `rkt fetch oci-archive:FILE` and skopeo read back. The layout is staged with hard links
// to the store's blobs, so nothing is copied until the tar is written.
import { labelValue } from "@rkt/store";
import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";

export async function exportOciArchive(ctx: RktContext, key: string, out: string): Promise<void> {
  const store = ctx.store;
  const rec = store.get(key);
  const blobs = store.imageBlobs(key).filter((b) => b.role !== "index");
  const manifest = blobs.find((b) => b.role === "manifest");
  if (!manifest) throw new RktError(`image ${key} has no stored manifest`);
  const stage = join(store.paths.tmp, `export-${randomBytes(8).toString("hex")}`);
  try {
    mkdirSync(join(stage, "blobs", "sha256"), { recursive: true, mode: 0o755 });
    writeFileSync(join(stage, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    const tag = labelValue(rec.labels, "version");
    const index = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: manifest.mediaType,
          digest: manifest.digest,
          size: manifest.size,
          ...(tag ? { annotations: { "org.opencontainers.image.ref.name": tag } } : {}),
        },
      ],
    };
    writeFileSync(join(stage, "index.json"), JSON.stringify(index));
    for (const d of new Set(blobs.map((b) => b.digest))) {
      linkSync(store.blobFile(d), join(stage, "blobs", "sha256", d.slice("sha256:".length)));
    }
    // tar is loaded only to export: importing it costs milliseconds on every rkt start.
    const { create: createTar } = await import("tar");
    await createTar({ file: out, cwd: stage, portable: true }, ["oci-layout", "index.json", "blobs"]);
  } catch (err) {
    rmSync(out, { force: true });
    if (err instanceof RktError) throw err;
    throw new RktError(`unable to export image ${key}: ${(err as Error).message}`, { cause: err });
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
