// Image IDs (appc schema/types/hash.go): `sha512-<hex>`. rkt's store keys are the first 64
// hex digits ("half hash"); on the command line any unique prefix of >= 2 hex digits works.
// OCI and Docker images are stored under `sha256-<hex>` of their manifest digest (our
// extension), so both prefixes name images.
import { AppcError } from "./errors.js";

export const IMAGE_ID_PREFIX = "sha512-";
/** The ID prefix of OCI/Docker images (`sha256-` + the manifest digest's hex). */
export const OCI_IMAGE_ID_PREFIX = "sha256-";
/** Hex digits of a sha256 (the full key of an OCI image). */
export const SHA256_HEX_LENGTH = 64;
/** Hex digits rkt keeps in a store key (`sha512-` + 64). */
export const STORE_KEY_HEX_LENGTH = 64;
/** Hex digits of a full sha512 image ID. */
export const FULL_IMAGE_ID_HEX_LENGTH = 128;
/** Fewest hex digits accepted as an image ID prefix. */
export const MIN_IMAGE_ID_HEX_LENGTH = 2;

/**
 * Why `s` is not an image ID as a manifest carries it (`image.id`, `dependencies[].imageID`),
 * or undefined. Like appc, any non-empty hex value is accepted (rkt writes the 64-digit key).
 */
export function imageIDProblem(s: string): string | undefined {
  const dash = s.indexOf("-");
  if (dash < 0) return `${JSON.stringify(s)} is not an image ID (expected sha512-<hex>)`;
  const typ = s.slice(0, dash);
  const val = s.slice(dash + 1);
  if (typ !== "sha512" && typ !== "sha256") return `unrecognized hash type ${JSON.stringify(typ)} in ${JSON.stringify(s)} (expected sha512-<hex>)`;
  if (val === "") return "unexpected empty hash value";
  if (!/^[0-9a-f]+$/.test(val)) return `${JSON.stringify(s)} is not an image ID: the hash must be lower case hex`;
  const max = typ === "sha512" ? FULL_IMAGE_ID_HEX_LENGTH : SHA256_HEX_LENGTH;
  if (val.length > max) return `${JSON.stringify(s)} is not an image ID: longer than a ${typ} hash`;
  return undefined;
}

/**
 * Parses an image ID given by a user (`rkt run sha512-0c45e8c0ab2`, `rkt image rm ...`):
 * lower-cases it and truncates it to a store key (`sha512-` + at most 64 hex digits), which
 * the store then resolves as a prefix. `sha256-` names OCI/Docker images. Errors: `image ID
 * too short` (under 2 hex digits), non-hex digits, another prefix.
 */
export function parseImageHash(s: string): string {
  const lower = s.trim().toLowerCase();
  const prefix = lower.startsWith(OCI_IMAGE_ID_PREFIX) ? OCI_IMAGE_ID_PREFIX : IMAGE_ID_PREFIX;
  if (!lower.startsWith(prefix)) {
    throw new AppcError(`bad image ID ${JSON.stringify(s)}: must start with ${IMAGE_ID_PREFIX} (or ${OCI_IMAGE_ID_PREFIX})`);
  }
  const hex = lower.slice(prefix.length);
  if (!/^[0-9a-f]*$/.test(hex)) {
    throw new AppcError(`bad image ID ${JSON.stringify(s)}: must be ${prefix} followed by hex digits`);
  }
  if (hex.length < MIN_IMAGE_ID_HEX_LENGTH) throw new AppcError("image ID too short");
  const max = prefix === IMAGE_ID_PREFIX ? FULL_IMAGE_ID_HEX_LENGTH : SHA256_HEX_LENGTH;
  if (hex.length > max) {
    throw new AppcError(`bad image ID ${JSON.stringify(s)}: longer than a ${prefix.slice(0, -1)} hash`);
  }
  return prefix + hex.slice(0, STORE_KEY_HEX_LENGTH);
}
