/** A store error with a message meant for the user (stage0 prints it and exits 254). */
export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreError";
  }
}

/** No image matches what the user asked for. */
export class ImageNotFoundError extends StoreError {
  constructor(message: string) {
    super(message);
    this.name = "ImageNotFoundError";
  }
}
