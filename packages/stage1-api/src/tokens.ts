// DI tokens. Symbol.for() keys make them the same symbol even when a stage1 loaded from
// outside the workspace brings its own copy of this package.
import { STAGE1_TYPE } from "./version.js";

export const Tokens = {
  /** The stage1 implementation (a Stage1). */
  Stage1: Symbol.for(STAGE1_TYPE),
  /** The stage1 definition (name, capabilities). */
  Stage1Definition: Symbol.for(`${STAGE1_TYPE}.definition`),
  /** A Logger for the stage1's messages. */
  Logger: Symbol.for(`${STAGE1_TYPE}.logger`),
  /** HostInfo about the running rkt. */
  Host: Symbol.for(`${STAGE1_TYPE}.host`),
} as const;
