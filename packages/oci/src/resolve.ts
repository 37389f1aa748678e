// From a reference to one image: fetch what it names, follow an index (or a manifest list)
// to the entry for this platform, and read the image config.
import { parseImageConfig, type ImageConfig } from "./config.js";
import { OciError } from "./errors.js";
import { parseManifest, type ImageManifestDoc, type Platform } from "./manifest.js";
import { isConfigType } from "./media-types.js";
import { selectPlatform } from "./platform.js";
import type { FetchedDocument, ImageSource } from "./source.js";

export interface ResolvedImage {
  /** The image manifest (the store key derives from its digest). */
  manifest: FetchedDocument;
  doc: ImageManifestDoc;
  config: FetchedDocument;
  parsedConfig: ImageConfig;
  /** Indexes followed to reach the manifest, outermost first. */
  indexes: FetchedDocument[];
}

/** Nested indexes are legal OCI; more than this is a loop or an attack. */
const MAX_INDEX_DEPTH = 4;

/** The image manifest for `platform` (without reading the config). */
export async function resolveManifest(
  source: ImageSource,
  platform: Platform,
): Promise<{ manifest: FetchedDocument; doc: ImageManifestDoc; indexes: FetchedDocument[] }> {
  const indexes: FetchedDocument[] = [];
  let fetched = await source.resolve();
  for (;;) {
    const doc = parseManifest(fetched.bytes, fetched.mediaType, fetched.file);
    if (doc.kind === "manifest") return { manifest: fetched, doc, indexes };
    indexes.push(fetched);
    if (indexes.length > MAX_INDEX_DEPTH) throw new OciError(`${fetched.file}: indexes nested more than ${MAX_INDEX_DEPTH} deep`);
    const entry = selectPlatform(doc, platform, fetched.file);
    fetched = await source.manifest(entry);
  }
}

export async function readConfig(source: ImageSource, doc: ImageManifestDoc, manifestFile: string): Promise<{ config: FetchedDocument; parsed: ImageConfig }> {
  if (!isConfigType(doc.config.mediaType)) {
    throw new OciError(`${manifestFile}: field "config.mediaType": ${JSON.stringify(doc.config.mediaType)} is not an image config (this is not a container image)`);
  }
  const config = await source.smallBlob(doc.config);
  return { config, parsed: parseImageConfig(config.bytes, config.file, doc.layers.length) };
}

export async function resolveImage(source: ImageSource, platform: Platform): Promise<ResolvedImage> {
  const { manifest, doc, indexes } = await resolveManifest(source, platform);
  const { config, parsed } = await readConfig(source, doc, manifest.file);
  return { manifest, doc, config, parsedConfig: parsed, indexes };
}
