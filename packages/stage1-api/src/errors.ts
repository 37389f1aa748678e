// Errors a stage1 reports to the user. stage0 recognises them by a brand, not by
// `instanceof`: a stage1 that brings its own copy of this package (a plugin directory used
// in place with its own node_modules) throws errors of *its* Stage1Error class, which the
// host's class does not match. The brand is a Symbol.for() key, the same in every copy.
const STAGE1_ERROR_BRAND = Symbol.for("rkt.stage1.error");

/** An error a stage1 reports to the user: stage0 prints its message and exits 254. */
export class Stage1Error extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "Stage1Error";
  }
}
Object.defineProperty(Stage1Error.prototype, STAGE1_ERROR_BRAND, { value: true });

/**
 * Whether `err` is a Stage1Error (or a subclass) from any copy of @rkt/stage1-api. Use this,
 * never `instanceof Stage1Error`, wherever the error may come from a plugin.
 */
export function isStage1Error(err: unknown): err is Stage1Error {
  return typeof err === "object" && err !== null && (err as { [STAGE1_ERROR_BRAND]?: unknown })[STAGE1_ERROR_BRAND] === true;
}

/** The stage1 does not implement an operation (CNI's and containerd's ErrNotImplemented). */
export class NotImplementedError extends Stage1Error {
  constructor(readonly stage1: string, readonly operation: string) {
    super(`stage1 ${stage1} does not implement ${operation}`);
    this.name = "NotImplementedError";
  }
}

/** The protocol range a stage1 declares does not include the protocol stage0 speaks. */
export class ProtocolMismatchError extends Stage1Error {
  constructor(readonly stage1: string, readonly declared: string, readonly host: string) {
    super(`stage1 ${stage1} speaks ${declared}; this rkt speaks ${host}`);
    this.name = "ProtocolMismatchError";
  }
}

/** The user asked for something the selected stage1 cannot do. */
export class UnsupportedOptionError extends Stage1Error {
  constructor(readonly stage1: string, readonly option: string, readonly capability: string) {
    super(`stage1 ${stage1} does not support ${option} (it lacks the "${capability}" capability)`);
    this.name = "UnsupportedOptionError";
  }
}
