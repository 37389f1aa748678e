// @rkt/oci: OCI and Docker images as data: references, the Registry API v2 client, OCI
// layouts and docker-save directories as sources, manifests, configs, platforms, and the
// appc view of an image. No store and no engine code: stage0 puts the pieces together.
export { DigestMismatchError, OciError, OciFormatError, RegistryError } from "./errors.js";
export { digestHex, digestProblem, isDigest, parseDigest, sha256Digest, shortDigest, type Digest } from "./digest.js";
export { isConfigType, isImageManifestType, isIndexType, layerCompression, MANIFEST_ACCEPT, MediaType, type LayerCompression } from "./media-types.js";
export { DOCKER_HUB_REGISTRY, formatDockerReference, manifestReference, parseDockerReference, type DockerReference } from "./reference.js";
export { MAX_LAYERS, parseDescriptor, parseManifest, type Descriptor, type ImageManifestDoc, type IndexDoc, type ManifestDoc, type Platform } from "./manifest.js";
export { parseImageConfig, type ImageConfig, type RunConfig } from "./config.js";
export { appcOsArch, formatPlatform, hostPlatform, selectPlatform } from "./platform.js";
export { appcView, type AppcView, type AppcViewInput } from "./to-appc.js";
export type { BlobSink, FetchedDocument, ImageSource, ProgressFn } from "./source.js";
export { readConfig, resolveImage, resolveManifest, type ResolvedImage } from "./resolve.js";
export { RegistryClient, type RegistryOptions } from "./registry/client.js";
export { parseChallenges, type Challenge, type Credentials } from "./registry/auth.js";
export { OciLayoutSource, REF_NAME_ANNOTATION } from "./layout.js";
export { DockerSaveSource } from "./docker-save.js";
export { resolveInside } from "./local-files.js";
