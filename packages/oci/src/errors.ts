// Errors of @rkt/oci. Every message is meant for the user as it is: it names the source (a
// registry, a layout directory, an archive) and, for bad documents, the file and field.

/** Something about an image or its source is wrong; stage0 prints the message, exits 254. */
export class OciError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OciError";
  }
}

/** A manifest, index or config that does not follow its schema. */
export class OciFormatError extends OciError {
  constructor(
    readonly file: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${file}: ${field === "" ? "" : `field ${JSON.stringify(field)}: `}${problem}`);
    this.name = "OciFormatError";
  }
}

/** Content that does not match its digest or size: corrupt, truncated or tampered with. */
export class DigestMismatchError extends OciError {
  constructor(message: string) {
    super(message);
    this.name = "DigestMismatchError";
  }
}

/** A registry said no: HTTP status, authentication, or a network failure after retries. */
export class RegistryError extends OciError {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RegistryError";
  }
}
