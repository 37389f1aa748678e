/** An error meant for the user: the CLI prints its message (no stack trace) and exits 254. */
export class RktError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RktError";
  }
}
