// The `docker save` format (an unpacked docker-archive) as an image source: manifest.json
// lists, per image, its config file, its layer tars and its RepoTags. There is no registry
// manifest in it, so one is made up (Docker schema 2, uncompressed layers whose digests are
// the config's diff_ids); its digest names the image in the store, and is the same for the
// same archive content. Selection as skopeo: `docker-archive:FILE[:NAME:TAG|:@INDEX]`.
import { createHash } from "node:crypto";
import { closeSync, readSync } from "node:fs";
import { basename } from "node:path";
import { parseImageConfig } from "./config.js";
import { sha256Digest, type Digest } from "./digest.js";
import { OciError } from "./errors.js";
import { Fields, MAX_DOCUMENT_BYTES } from "./json-fields.js";
import type { Descriptor } from "./manifest.js";
import { MediaType } from "./media-types.js";
import { copyBlobFile, openInside, readBlobDocument, readInside } from "./local-files.js";
import { parseDockerReference, type DockerReference } from "./reference.js";
import type { BlobSink, FetchedDocument, ImageSource, ProgressFn } from "./source.js";

interface SavedImage {
  config: string;
  repoTags: string[];
  layers: string[];
}

export class DockerSaveSource implements ImageSource {
  readonly label: string;
  /** Where each blob of the made-up manifest lives in the directory. */
  private readonly files = new Map<Digest, string>();
  private selected: { image: SavedImage; tag: DockerReference | undefined } | undefined;

  constructor(
    readonly dir: string,
    readonly ref: string | undefined,
    display: string,
    private readonly archiveName: string,
  ) {
    this.label = display;
  }

  /** The RepoTag that was selected (or the only one), parsed. */
  repoTag(): DockerReference | undefined {
    return this.selected?.tag;
  }

  imageName(): string {
    const t = this.selected?.tag;
    return t ? `${t.registry}/${t.repository}` : basename(this.archiveName).replace(/\.(tar|tar\.gz|tgz)$/, "");
  }

  async resolve(): Promise<FetchedDocument> {
    const file = `${this.label}: manifest.json`;
    const f = new Fields(file);
    const { bytes } = readInside(this.dir, "manifest.json", MAX_DOCUMENT_BYTES);
    let list: unknown;
    try {
      list = JSON.parse(bytes.toString("utf8"));
    } catch (err) {
      f.fail("", `not valid JSON (${(err as Error).message})`);
    }
    if (!Array.isArray(list) || list.length === 0) f.fail("", "must be a non-empty JSON array of images");
    const images: SavedImage[] = (list as unknown[]).map((v, i) => {
      const o = f.object(v, `[${i}]`);
      return {
        config: f.string(o, "Config", `[${i}].Config`),
        repoTags: f.optStrings(o, "RepoTags", `[${i}].RepoTags`) ?? [],
        layers: f.optStrings(o, "Layers", `[${i}].Layers`) ?? f.fail(`[${i}].Layers`, "is missing"),
      };
    });
    const image = this.select(images, file);
    const tagText = this.ref && !this.ref.startsWith("@") ? this.ref : image.repoTags.length === 1 ? image.repoTags[0] : undefined;
    let tag: DockerReference | undefined;
    if (tagText !== undefined) {
      try {
        tag = parseDockerReference(tagText);
      } catch {
        tag = undefined; // a RepoTag we cannot parse only loses the name
      }
    }
    this.selected = { image, tag };

    const cfgBytes = readInside(this.dir, image.config, MAX_DOCUMENT_BYTES).bytes;
    const configDigest = sha256Digest(cfgBytes);
    const parsed = parseImageConfig(cfgBytes, `${this.label}: ${image.config}`, image.layers.length);
    this.files.set(configDigest, image.config);
    const layers: Descriptor[] = image.layers.map((rel, i) => {
      const { fd, size } = openInside(this.dir, rel);
      try {
        const compressed = isGzip(fd);
        // An uncompressed layer's digest is its diff_id (verified while it is copied); a
        // compressed one must be hashed here to be named.
        const digest = compressed ? hashFile(fd, size) : parsed.diffIds[i]!;
        this.files.set(digest, rel);
        return { mediaType: compressed ? MediaType.dockerLayerGzip : MediaType.dockerLayer, digest, size };
      } finally {
        closeSync(fd);
      }
    });
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaType.dockerManifest,
      config: { mediaType: MediaType.dockerConfig, digest: configDigest, size: cfgBytes.length },
      layers,
    };
    const doc = Buffer.from(JSON.stringify(manifest));
    return { bytes: doc, digest: sha256Digest(doc), mediaType: MediaType.dockerManifest, file: `${this.label} (image ${image.config})` };
  }

  private select(images: SavedImage[], file: string): SavedImage {
    const ref = this.ref;
    if (ref === undefined) {
      if (images.length === 1) return images[0]!;
      const tags = images.flatMap((i) => i.repoTags);
      throw new OciError(`${file}: the archive holds ${images.length} images; name one after a colon (${tags.length ? tags.join(", ") : "@0, @1, ..."})`);
    }
    if (ref.startsWith("@")) {
      const n = Number(ref.slice(1));
      if (!Number.isInteger(n) || n < 0 || n >= images.length) throw new OciError(`${file}: no image ${ref} (the archive holds ${images.length})`);
      return images[n]!;
    }
    const want = normalizeTag(ref);
    const found = images.find((i) => i.repoTags.some((t) => normalizeTag(t) === want));
    if (!found) {
      const tags = images.flatMap((i) => i.repoTags);
      throw new OciError(`${file}: no image tagged ${JSON.stringify(ref)}${tags.length ? ` (it has ${tags.join(", ")})` : ""}`);
    }
    return found;
  }

  async manifest(desc: Descriptor): Promise<FetchedDocument> {
    throw new OciError(`${this.label}: no manifest ${desc.digest} in a docker-save archive`);
  }

  async smallBlob(desc: Descriptor): Promise<FetchedDocument> {
    return readBlobDocument(this.dir, this.fileOf(desc), desc, MAX_DOCUMENT_BYTES);
  }

  blob(desc: Descriptor, sink: BlobSink, progress?: ProgressFn): Promise<void> {
    return copyBlobFile(this.dir, this.fileOf(desc), desc, sink, progress);
  }

  private fileOf(desc: Descriptor): string {
    const f = this.files.get(desc.digest);
    if (!f) throw new OciError(`${this.label}: no blob ${desc.digest}`);
    return f;
  }

  async close(): Promise<void> {}
}

function normalizeTag(t: string): string {
  try {
    const r = parseDockerReference(t);
    return `${r.registry}/${r.repository}:${r.tag ?? ""}`;
  } catch {
    return t;
  }
}

function isGzip(fd: number): boolean {
  const head = Buffer.alloc(2);
  return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
}

function hashFile(fd: number, size: number): Digest {
  const h = createHash("sha256");
  const buf = Buffer.allocUnsafe(1 << 20);
  for (let pos = 0; pos < size; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
    if (n === 0) break;
    h.update(buf.subarray(0, n));
    pos += n;
  }
  return `sha256:${h.digest("hex")}`;
}
