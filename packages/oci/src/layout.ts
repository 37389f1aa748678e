// An OCI image layout directory (image-spec image-layout.md) as an image source, addressed
// as skopeo does: `oci:DIR[:REF]`, REF matching the `org.opencontainers.image.ref.name`
// annotation of an entry of index.json. Without REF the layout must hold one image.
import { basename } from "node:path";
import { digestHex, sha256Digest } from "./digest.js";
import { OciError } from "./errors.js";
import { Fields, MAX_DOCUMENT_BYTES } from "./json-fields.js";
import { parseManifest, type Descriptor } from "./manifest.js";
import { MediaType } from "./media-types.js";
import { copyBlobFile, readBlobDocument, readInside } from "./local-files.js";
import type { BlobSink, FetchedDocument, ImageSource, ProgressFn } from "./source.js";

export const REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";

export class OciLayoutSource implements ImageSource {
  readonly label: string;

  /** `display` names the layout in messages (`oci:/images/app`, or an archive's name). */
  constructor(
    readonly dir: string,
    readonly ref: string | undefined,
    display?: string,
  ) {
    this.label = display ?? `OCI layout ${dir}`;
  }

  /** The layout's name for the image: the directory name (or the archive's). */
  imageName(): string {
    return basename(this.dir);
  }

  async resolve(): Promise<FetchedDocument> {
    const marker = readInside(this.dir, "oci-layout", 4096);
    const mf = new Fields(`${this.label}: oci-layout`);
    const version = mf.string(mf.parse(marker.bytes), "imageLayoutVersion", "imageLayoutVersion");
    if (!/^1\.\d+\.\d+$/.test(version)) mf.fail("imageLayoutVersion", `unsupported layout version ${JSON.stringify(version)} (1.x.y)`);

    const { bytes } = readInside(this.dir, "index.json", MAX_DOCUMENT_BYTES);
    const file = `${this.label}: index.json`;
    const index = parseManifest(bytes, MediaType.ociIndex, file);
    if (index.kind !== "index") throw new OciError(`${file}: not an image index`);
    const refOf = (d: Descriptor): string | undefined => d.annotations?.[REF_NAME_ANNOTATION];
    let entries = index.manifests;
    if (this.ref !== undefined) {
      entries = entries.filter((d) => refOf(d) === this.ref);
      if (entries.length === 0) {
        const refs = [...new Set(index.manifests.map(refOf).filter((r): r is string => r !== undefined))];
        throw new OciError(`${file}: no image named ${JSON.stringify(this.ref)}${refs.length ? ` (it has ${refs.map((r) => JSON.stringify(r)).join(", ")})` : ""}`);
      }
    } else {
      const refs = new Set(entries.map(refOf));
      if (refs.size > 1) {
        throw new OciError(`${file}: the layout holds several images (${[...refs].map((r) => JSON.stringify(r ?? "")).join(", ")}); name one after a colon`);
      }
    }
    // Entries of one name are alternatives for different platforms: presented as one index.
    const doc = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: entries }));
    return { bytes: doc, digest: sha256Digest(doc), mediaType: MediaType.ociIndex, file, synthetic: true };
  }

  async manifest(desc: Descriptor): Promise<FetchedDocument> {
    return readBlobDocument(this.dir, blobPath(desc), desc, MAX_DOCUMENT_BYTES);
  }

  async smallBlob(desc: Descriptor): Promise<FetchedDocument> {
    return readBlobDocument(this.dir, blobPath(desc), desc, MAX_DOCUMENT_BYTES);
  }

  blob(desc: Descriptor, sink: BlobSink, progress?: ProgressFn): Promise<void> {
    return copyBlobFile(this.dir, blobPath(desc), desc, sink, progress);
  }

  async close(): Promise<void> {}
}

function blobPath(desc: Descriptor): string {
  return `blobs/sha256/${digestHex(desc.digest)}`;
}
