// Why an image's signature was not accepted. The message of each starts with the words rkt
// printed for the same failure (scripts grep for them); `details` carries what the caller
// needs to say which image, file and key it was and what the user can do.

export type TrustErrorCode =
  /** The signature names a key that is not trusted for the image's name. */
  | "unknown-entity"
  /** The signature does not match the image bytes (a tampered or truncated image). */
  | "bad-signature"
  /** The signature file is not an OpenPGP signature. */
  | "malformed-signature"
  | "key-expired"
  | "key-revoked"
  /** A key file is not a usable OpenPGP public key. */
  | "bad-key"
  /** The keystore itself is damaged (a key file named for another key). */
  | "keystore";

export interface TrustErrorDetails {
  /** Key IDs (16 hex digits, upper case) the signature says it was made with. */
  keyIds?: string[];
  /** The fingerprint (40 hex digits, lower case) of the trusted key involved. */
  fingerprint?: string;
  /** When the key expired. */
  expiredAt?: Date;
  /** The key file involved. */
  path?: string;
}

export class TrustError extends Error {
  constructor(
    readonly code: TrustErrorCode,
    message: string,
    readonly details: TrustErrorDetails = {},
  ) {
    super(message);
    this.name = "TrustError";
  }
}
