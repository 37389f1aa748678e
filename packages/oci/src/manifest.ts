// Image manifests and indexes (OCI image spec v1, Docker manifest v2 schema 2 and manifest
// lists): parsing and validation of untrusted documents.
import type { Digest } from "./digest.js";
import { OciError } from "./errors.js";
import { Fields } from "./json-fields.js";
import { isImageManifestType, isIndexType, isSchema1Type, MediaType } from "./media-types.js";

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  "os.version"?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

export interface ImageManifestDoc {
  kind: "manifest";
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface IndexDoc {
  kind: "index";
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export type ManifestDoc = ImageManifestDoc | IndexDoc;

/** More layers than any real image has (overlayfs stops at 128 anyway in Docker). */
export const MAX_LAYERS = 500;
export const MAX_INDEX_ENTRIES = 1000;

export function parseDescriptor(f: Fields, v: unknown, field: string): Descriptor {
  const o = f.object(v, field);
  const d: Descriptor = {
    mediaType: f.string(o, "mediaType", `${field}.mediaType`),
    digest: f.digest(o, "digest", `${field}.digest`),
    size: f.size(o, "size", `${field}.size`),
  };
  const annotations = f.optStringMap(o, "annotations", `${field}.annotations`);
  if (annotations) d.annotations = annotations;
  const p = f.optObject(o, "platform", `${field}.platform`);
  if (p) {
    d.platform = {
      architecture: f.string(p, "architecture", `${field}.platform.architecture`),
      os: f.string(p, "os", `${field}.platform.os`),
    };
    const variant = f.optString(p, "variant", `${field}.platform.variant`);
    if (variant !== undefined) d.platform.variant = variant;
    const osVersion = f.optString(p, "os.version", `${field}.platform.os.version`);
    if (osVersion !== undefined) d.platform["os.version"] = osVersion;
  }
  const urls = f.optStrings(o, "urls", `${field}.urls`);
  if (urls) d.urls = urls;
  return d;
}

/**
 * Parses a manifest or an index. `contentType` is what the registry said (or what the
 * referring descriptor said); the document's own `mediaType`, when present, must agree
 * with it, as the distribution spec requires, so a registry cannot swap one kind for the other.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined, file: string): ManifestDoc {
  const f = new Fields(file);
  const o = f.parse(bytes);
  const schemaVersion = o["schemaVersion"];
  if (schemaVersion === 1) {
    throw new OciError(`${file}: Docker image manifest schema 1 is not supported (push the image again with a current Docker or skopeo)`);
  }
  if (schemaVersion !== 2) f.fail("schemaVersion", `must be 2, not ${JSON.stringify(schemaVersion)}`);
  const own = f.optString(o, "mediaType", "mediaType");
  const header = contentType?.split(";")[0]!.trim();
  const usable = (t: string | undefined): string | undefined =>
    t !== undefined && (isIndexType(t) || isImageManifestType(t)) ? t : undefined;
  if (own !== undefined && usable(own) === undefined) {
    if (isSchema1Type(own)) throw new OciError(`${file}: Docker image manifest schema 1 is not supported`);
    f.fail("mediaType", `unsupported manifest media type ${JSON.stringify(own)}`);
  }
  if (own !== undefined && usable(header) !== undefined && own !== header) {
    f.fail("mediaType", `is ${JSON.stringify(own)} but the document was served as ${JSON.stringify(header)}`);
  }
  const guessed = "manifests" in o ? MediaType.ociIndex : MediaType.ociManifest;
  const mediaType = own ?? usable(header) ?? guessed;

  if (isIndexType(mediaType)) {
    if ("layers" in o || "config" in o) f.fail("", "an index must not have config or layers");
    const list = f.array(o, "manifests", "manifests", MAX_INDEX_ENTRIES);
    const doc: IndexDoc = { kind: "index", mediaType, manifests: list.map((d, i) => parseDescriptor(f, d, `manifests[${i}]`)) };
    const annotations = f.optStringMap(o, "annotations", "annotations");
    if (annotations) doc.annotations = annotations;
    return doc;
  }
  if ("manifests" in o) f.fail("", "an image manifest must not have manifests");
  const config = parseDescriptor(f, o["config"] ?? f.fail("config", "is missing"), "config");
  const layers = f.array(o, "layers", "layers", MAX_LAYERS).map((d, i) => parseDescriptor(f, d, `layers[${i}]`));
  const doc: ImageManifestDoc = { kind: "manifest", mediaType, config, layers };
  const annotations = f.optStringMap(o, "annotations", "annotations");
  if (annotations) doc.annotations = annotations;
  return doc;
}
