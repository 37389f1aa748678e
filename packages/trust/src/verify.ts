// Verifying a detached OpenPGP signature over an image file against the keystore, with
// rkt's rules: the signer must be a root key or a key trusted for a path-prefix of the
// image's name (the name in its manifest), and must be neither expired nor revoked now.
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import type * as OpenPGP from "openpgp";
import { TrustError } from "./errors.js";
import type { Keystore, KeyScope } from "./keystore.js";
import { loadOpenPGP, readPublicKey, type PublicKeyInfo } from "./pgp.js";

export interface Signer extends PublicKeyInfo {
  /** Why the key is trusted for this image. */
  scope: KeyScope;
  /** The keystore file of the key. */
  path: string;
}

interface Candidate {
  key: OpenPGP.PublicKey;
  signer: Signer;
}

/** Reads an armoured (or, as rkt also accepts, binary) detached signature. */
export async function readSignature(bytes: Uint8Array): Promise<OpenPGP.Signature> {
  const pgp = await loadOpenPGP();
  const text = Buffer.from(bytes).toString("latin1");
  try {
    if (text.trimStart().startsWith("-----BEGIN PGP")) return await pgp.readSignature({ armoredSignature: Buffer.from(bytes).toString("utf8") });
    return await pgp.readSignature({ binarySignature: bytes });
  } catch (err) {
    throw new TrustError("malformed-signature", `keystore: no valid signatures found in signature file (${(err as Error).message})`);
  }
}

/** The key IDs a signature says it was made with, upper-case hex. */
export function signatureKeyIds(signature: OpenPGP.Signature): string[] {
  return signature.getSigningKeyIDs().map((k) => k.toHex().toUpperCase());
}

/** The trusted keys for `name` that could have made `signature`. */
async function candidates(ks: Keystore, name: string, keyIds: string[]): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const file of ks.keysFor(name)) {
    const { key, info } = await readPublicKey(ks.read(file), file.path);
    // rkt refuses a keystore whose file names and keys disagree: the name is what
    // `rkt trust` showed the user.
    if (info.fingerprint !== file.fingerprint) {
      throw new TrustError("keystore", `keystore: fingerprint mismatch: ${file.path} holds key ${info.fingerprint}`, { path: file.path });
    }
    const ids = key.getKeys().map((k) => k.getKeyID().toHex().toUpperCase());
    const matches = keyIds.some((id) => ids.includes(id));
    if (matches) out.push({ key, signer: { ...info, scope: file.scope, path: file.path } });
  }
  return out;
}

/**
 * Checks, before any image is downloaded, that the signature was made by a key trusted for
 * `name` (rkt's checkIdentity). Throws the unknown-entity error otherwise.
 */
export async function checkSignerTrusted(ks: Keystore, name: string, signatureBytes: Uint8Array): Promise<void> {
  const signature = await readSignature(signatureBytes);
  const keyIds = signatureKeyIds(signature);
  if ((await candidates(ks, name, keyIds)).length === 0) throw unknownEntity(keyIds);
}

/**
 * Verifies `signatureBytes` over the bytes of `file` for an image named `name`; returns the
 * signer. The file is streamed, so images of any size are verified in constant memory.
 */
export async function verifyFile(ks: Keystore, name: string, file: string, signatureBytes: Uint8Array, now = new Date()): Promise<Signer> {
  const pgp = await loadOpenPGP();
  const signature = await readSignature(signatureBytes);
  const keyIds = signatureKeyIds(signature);
  const found = await candidates(ks, name, keyIds);
  if (found.length === 0) throw unknownEntity(keyIds);

  const message = await pgp.createMessage({ binary: Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array> });
  const result = await pgp.verify({ message, signature, verificationKeys: found.map((c) => c.key), format: "binary" });
  // The verdict is known only once every byte has gone through the hash.
  const reader = (result.data as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done } = await reader.read();
    if (done) break;
  }
  let lastError: TrustError | undefined;
  for (const sig of result.signatures) {
    const candidate = found.find((c) => c.key.getKeys(sig.keyID).length > 0);
    if (!candidate) continue;
    try {
      await sig.verified;
    } catch (err) {
      lastError = verificationError(err as Error, candidate);
      continue;
    }
    await checkKeyUsableNow(candidate, sig.keyID, now);
    return candidate.signer;
  }
  throw lastError ?? unknownEntity(keyIds);
}

/**
 * openpgp checks the key as it was when the signature was made; rkt's users expect an
 * expired or revoked key to stop verifying images, whenever they were signed (a signature's
 * date is whatever the signer wrote).
 */
async function checkKeyUsableNow(c: Candidate, keyID: OpenPGP.KeyID, now: Date): Promise<void> {
  try {
    await c.key.getSigningKey(keyID, now);
  } catch (err) {
    throw verificationError(err as Error, c);
  }
}

/**
 * When the key expired, from its self-signatures (openpgp's getExpirationTime wants a
 * currently valid user ID, which an expired key no longer has).
 */
function expiry(key: OpenPGP.PublicKey): Date | undefined {
  const created = key.keyPacket.created.getTime();
  let latest: number | undefined;
  for (const user of key.users) {
    for (const cert of user.selfCertifications) {
      const secs = cert.keyExpirationTime;
      if (cert.keyNeverExpires === false && typeof secs === "number" && secs > 0) latest = Math.max(latest ?? 0, created + secs * 1000);
    }
  }
  return latest === undefined ? undefined : new Date(latest);
}

function unknownEntity(keyIds: string[]): TrustError {
  return new TrustError("unknown-entity", "openpgp: signature made by unknown entity", { keyIds });
}

function verificationError(err: Error, c: Candidate): TrustError {
  const msg = err.message;
  const details = { fingerprint: c.signer.fingerprint, path: c.signer.path };
  if (/revoked/i.test(msg)) return new TrustError("key-revoked", "openpgp: key revoked", details);
  if (/expired/i.test(msg)) return new TrustError("key-expired", "openpgp: key expired", { ...details, expiredAt: expiry(c.key) });
  if (/digest did not match/i.test(msg)) return new TrustError("bad-signature", "openpgp: invalid signature: hash tag doesn't match", details);
  return new TrustError("bad-signature", `openpgp: invalid signature: ${msg}`, details);
}
