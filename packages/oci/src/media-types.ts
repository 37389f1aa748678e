// Media types of the OCI image spec and of Docker's image manifest v2 schema 2.
export const MediaType = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  ociLayerNondist: "application/vnd.oci.image.layer.nondistributable.v1.tar",
  ociLayerNondistGzip: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  ociLayerNondistZstd: "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerForeignLayer: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  dockerSchema1: "application/vnd.docker.distribution.manifest.v1+json",
  dockerSchema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
} as const;

/** What a registry is asked for, most preferred first. */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.dockerManifestList,
  MediaType.ociManifest,
  MediaType.dockerManifest,
];

export function isIndexType(t: string): boolean {
  return t === MediaType.ociIndex || t === MediaType.dockerManifestList;
}

export function isImageManifestType(t: string): boolean {
  return t === MediaType.ociManifest || t === MediaType.dockerManifest;
}

export function isSchema1Type(t: string): boolean {
  return t === MediaType.dockerSchema1 || t === MediaType.dockerSchema1Signed || t === "application/json";
}

export function isConfigType(t: string): boolean {
  return t === MediaType.ociConfig || t === MediaType.dockerConfig;
}

export type LayerCompression = "none" | "gzip" | "zstd";

/**
 * How a layer of this media type is compressed, or why it cannot be applied. Foreign
 * (Windows base) layers live outside the registry and are refused; the extractor also
 * sniffs the compression itself, so a mislabelled layer still unpacks correctly.
 */
export function layerCompression(t: string): LayerCompression | { problem: string } {
  switch (t) {
    case MediaType.ociLayer:
    case MediaType.ociLayerNondist:
    case MediaType.dockerLayer:
      return "none";
    case MediaType.ociLayerGzip:
    case MediaType.ociLayerNondistGzip:
    case MediaType.dockerLayerGzip:
      return "gzip";
    case MediaType.ociLayerZstd:
    case MediaType.ociLayerNondistZstd:
      return "zstd";
    case MediaType.dockerForeignLayer:
      return { problem: "foreign layers (Windows base images) are not supported" };
    default:
      return { problem: `unknown layer media type ${JSON.stringify(t)}` };
  }
}
