// Checking an image file against its detached signature and the keystore, and saying why
// not in one line that names the image, the file and the key, and what to do about it.
import type { ImageManifest } from "@rkt/stage1-api";
import { checkSignerTrusted, formatFingerprint, Keystore, TrustError, verifyFile } from "@rkt/trust";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";

export interface VerifyRequest {
  /** The image file exactly as downloaded or found (the signature covers these bytes). */
  file: string;
  /** How the user named the image (a path or URL), for messages. */
  label: string;
  manifest: ImageManifest;
  signature: Uint8Array;
  /** Where the signature came from, for messages. */
  signatureLabel: string;
}

export function keystoreFor(ctx: RktContext): Keystore {
  return new Keystore({ system: ctx.configDirs.system, local: ctx.configDirs.local });
}

export class ImageVerifier {
  readonly keystore: Keystore;

  constructor(private readonly ctx: RktContext) {
    this.keystore = keystoreFor(ctx);
  }

  /** Verifies; on success prints rkt's `signature verified:` lines with the key's identities. */
  async verify(req: VerifyRequest): Promise<void> {
    const name = req.manifest.name;
    try {
      const signer = await verifyFile(this.keystore, name, req.file, req.signature);
      this.ctx.reporter.log("image", ["signature verified:", ...signer.identities.map((id) => `  ${id}`)].join("\n"));
    } catch (err) {
      if (err instanceof TrustError) throw explain(err, name, req.label, req.signatureLabel);
      throw err;
    }
  }

  /**
   * Before downloading an image found by name: is its signature by a key trusted for that
   * name at all? (rkt's checkIdentity; saves downloading an image that cannot be used.)
   */
  async checkSigner(name: string, signature: Uint8Array, label: string, signatureLabel: string): Promise<void> {
    try {
      await checkSignerTrusted(this.keystore, name, signature);
    } catch (err) {
      if (err instanceof TrustError) throw explain(err, name, label, signatureLabel);
      throw err;
    }
  }
}

function explain(err: TrustError, name: string, label: string, sigLabel: string): RktError {
  const image = label === name ? `image ${JSON.stringify(name)}` : `image ${JSON.stringify(name)} (${label})`;
  const fp = err.details.fingerprint ? `key ${formatFingerprint(err.details.fingerprint)}` : "its key";
  const where = err.details.path ? ` (${err.details.path})` : "";
  switch (err.code) {
    case "unknown-entity": {
      const ids = err.details.keyIds?.length ? `key ID ${err.details.keyIds.join(", ")}` : "an unknown key";
      return new RktError(
        `${err.message}: ${image} is signed with ${ids}, which is not trusted for ${JSON.stringify(name)}; ` +
          `if you trust that key, run: rkt trust --prefix ${JSON.stringify(name)} KEYFILE`,
        { cause: err },
      );
    }
    case "bad-signature":
      return new RktError(`${err.message}: ${image} does not match the signature ${sigLabel} (the image was changed after it was signed, or the signature is for another file)`, { cause: err });
    case "malformed-signature":
      return new RktError(`${sigLabel}: ${err.message}: it is not an OpenPGP signature (make one with gpg --armor --detach-sign)`, { cause: err });
    case "key-expired": {
      const when = err.details.expiredAt ? ` on ${err.details.expiredAt.toISOString()}` : "";
      return new RktError(`${err.message}: ${image} is signed with ${fp}${where}, which expired${when}; the image needs a signature by a current key`, { cause: err });
    }
    case "key-revoked":
      return new RktError(`${err.message}: ${image} is signed with ${fp}${where}, which has been revoked; do not use this image, and remove the key from the keystore`, { cause: err });
    default:
      return new RktError(`${image}: ${err.message}`, { cause: err });
  }
}
