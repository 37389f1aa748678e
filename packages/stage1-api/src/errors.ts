/** An error a stage1 reports to the user: stage0 prints its message and exits 254. */
export class Stage1Error extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "Stage1Error";
  }
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
