// The openpgp library, loaded on first use only: it is large, and most rkt commands never
// verify a signature.
import type * as OpenPGP from "openpgp";
import { TrustError } from "./errors.js";

let loading: Promise<typeof OpenPGP> | undefined;

export function loadOpenPGP(): Promise<typeof OpenPGP> {
  loading ??= import("openpgp");
  return loading;
}

export interface PublicKeyInfo {
  /** Lower-case hex. */
  fingerprint: string;
  /** Upper-case hex, 16 digits. */
  keyId: string;
  subkeyFingerprints: string[];
  /** User IDs ("Name (comment) <email>"). */
  identities: string[];
}

export interface ParsedKey {
  key: OpenPGP.PublicKey;
  info: PublicKeyInfo;
}

function isArmored(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 64)).toString("latin1").trimStart();
  return head.startsWith("-----BEGIN PGP");
}

/**
 * Reads one OpenPGP public key, ASCII-armoured (as `gpg --armor --export` writes it and rkt
 * requires) or binary. A file with a private key or several keys is refused: trusting one
 * must mean trusting exactly the key that was reviewed.
 */
export async function readPublicKey(bytes: Uint8Array, label: string): Promise<ParsedKey> {
  const pgp = await loadOpenPGP();
  let keys: OpenPGP.Key[];
  try {
    keys = isArmored(bytes)
      ? await pgp.readKeys({ armoredKeys: Buffer.from(bytes).toString("utf8") })
      : await pgp.readKeys({ binaryKeys: bytes });
  } catch (err) {
    throw new TrustError("bad-key", `${label} is not an OpenPGP public key: ${(err as Error).message}`, { path: label });
  }
  if (keys.length !== 1) {
    throw new TrustError("bad-key", `${label} holds ${keys.length} keys; give each key in a file of its own`, { path: label });
  }
  const key = keys[0]!;
  if (key.isPrivate()) {
    throw new TrustError("bad-key", `${label} is a private key; give the public key (gpg --armor --export KEYID)`, { path: label });
  }
  return { key: key as OpenPGP.PublicKey, info: keyInfo(key) };
}

export function keyInfo(key: OpenPGP.Key): PublicKeyInfo {
  return {
    fingerprint: key.getFingerprint().toLowerCase(),
    keyId: key.getKeyID().toHex().toUpperCase(),
    subkeyFingerprints: key.subkeys.map((s) => s.getFingerprint().toLowerCase()),
    identities: key.getUserIDs(),
  };
}
