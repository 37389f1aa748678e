// Errors raised by @rkt/appc. Two kinds: a value given on the command line or in a flag
// file is wrong (AppcError), or a manifest is wrong at a JSON path (ManifestError).

/** A value (a flag, an image string, a quantity...) is not valid. The message is final. */
export class AppcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AppcError";
  }
}

/**
 * A manifest (or another structured text such as an env file) is not valid.
 *
 * `field` is a JSON path such as `app.exec`, `labels[2].name` or `app.isolators[0].value`
 * (empty when the whole document is at fault, e.g. bad JSON). `file` names the document;
 * callers may set it after the fact and the message follows:
 * `<file>: <field>: <problem>`, `<field>: <problem>`, or just `<problem>`.
 */
export class ManifestError extends AppcError {
  readonly field: string;
  /** What is wrong, without file or field. */
  readonly problem: string;
  private _file: string | undefined;

  constructor(field: string, problem: string, file?: string) {
    super(problem);
    this.name = "ManifestError";
    this.field = field;
    this.problem = problem;
    this._file = file;
    this.message = this.compose();
  }

  get file(): string | undefined {
    return this._file;
  }

  set file(file: string | undefined) {
    this._file = file;
    this.message = this.compose();
  }

  private compose(): string {
    let m = this.field ? `${this.field}: ${this.problem}` : this.problem;
    if (this._file) m = `${this._file}: ${m}`;
    return m;
  }
}

/** Throws a ManifestError at `field`. */
export function fail(field: string, problem: string): never {
  throw new ManifestError(field, problem);
}
