// Image IDs as rkt writes them: "sha512-" + hex of the sha512 of the uncompressed ACI. The
// store key keeps the first 64 hex digits (rkt's "half hash"); `rkt fetch` prints 32 and
// `rkt image list` 12. Any unique prefix of at least 2 hex digits names an image.
import { StoreError } from "./errors.js";

export const KEY_HEX = 64;

export function keyFromDigest(hexDigest: string, algo = "sha512"): string {
  return `${algo}-${hexDigest.slice(0, KEY_HEX)}`;
}

export function shortId(key: string, hex = 32): string {
  const dash = key.indexOf("-");
  return key.slice(0, dash + 1 + hex);
}

/** Normalizes a user's image ID (prefix) or throws rkt's errors. */
export function parseIdPrefix(input: string): string {
  const m = /^(sha512|sha256)-([0-9a-fA-F]*)$/.exec(input.trim());
  if (!m) throw new StoreError(`${JSON.stringify(input)} is not an image ID (sha512-<hex>)`);
  if (m[2]!.length < 2) throw new StoreError("image ID too short");
  return `${m[1]}-${m[2]!.toLowerCase().slice(0, KEY_HEX)}`;
}

export function looksLikeImageId(input: string): boolean {
  return /^(sha512|sha256)-[0-9a-fA-F]*$/.test(input);
}
