// @rkt/appc: the appc 0.8.11 schema as code. Pure functions; nothing runs at import.
export { AppcError, ManifestError } from "./errors.js";
export { locateJsonError } from "./json.js";
export {
  acIdentifierProblem,
  acNameProblem,
  appNameFromImageName,
  isACIdentifier,
  isACName,
  sanitizeACIdentifier,
  sanitizeACName,
} from "./names.js";
export { isSemVer, semverProblem, semverSyntaxProblem } from "./semver.js";
export { checkName, MAX_PATH_AC_NAME, NAME_GRAMMARS, NameError, nameProblem, shownName, type NameKind } from "./path-names.js";
export {
  FULL_IMAGE_ID_HEX_LENGTH,
  IMAGE_ID_PREFIX,
  imageIDProblem,
  MIN_IMAGE_ID_HEX_LENGTH,
  OCI_IMAGE_ID_PREFIX,
  parseImageHash,
  STORE_KEY_HEX_LENGTH,
} from "./hash.js";
export {
  APPC_VALID_OS_ARCH,
  checkRunnableOSArch,
  hostArch,
  hostOS,
  osArchProblem,
  RKT_VALID_OS_ARCH,
  validOSArch,
} from "./os-arch.js";
export { validateAnnotations, validateLabels } from "./labels.js";
export { compareQuantities, parseQuantity, type Quantity, type QuantityFormat } from "./quantity.js";
export {
  capabilityProblem,
  errnoProblem,
  isErrnoName,
  isLinuxCapability,
  isSeccompWildcard,
  LINUX_CAPABILITIES,
  LINUX_ERRNO_NAMES,
  RKT_DEFAULT_CAPABILITIES,
  SECCOMP_WILDCARDS,
  seccompEntryProblem,
} from "./linux-names.js";
export {
  IsolatorName,
  parseIsolator,
  validateIsolators,
  type KnownIsolatorName,
  type ParsedIsolator,
} from "./isolators.js";
export {
  capsFromFlag,
  capsIsolator,
  cpuIsolatorFromFlag,
  cpuSharesIsolatorFromFlag,
  memoryIsolatorFromFlag,
  MIN_MEMORY_BYTES,
  oomScoreAdjIsolatorFromFlag,
  seccompFromFlag,
  seccompIsolator,
  type SeccompOverride,
} from "./isolator-flags.js";
export { validateExposedPort, validatePort } from "./ports.js";
export { EMPTY_VOLUME_DEFAULT_MODE, mountFromFlag, validateVolume, volumeFromFlag } from "./volumes.js";
export { validateApp } from "./app.js";
export { IMAGE_MANIFEST_KIND, parseImageManifest, validateImageManifest } from "./image-manifest.js";
export { parsePodManifest, POD_MANIFEST_KIND, validatePodManifest } from "./pod-manifest.js";
export { formatImageString, parseImageString, type ImageString } from "./image-string.js";
export { classifyImageArgument, type ClassifyOptions, type ImageArgument } from "./image-argument.js";
export { envNameProblem, isValidEnvName, parseEnvFile, parseEnvLine } from "./env.js";
export {
  aciEndpoints,
  discoveryPrefixes,
  discoveryUrl,
  parseDiscoveryMeta,
  pubkeyLocations,
  renderTemplate,
  type AciEndpoint,
  type DiscoveryApp,
  type DiscoveryMeta,
} from "./discovery.js";
