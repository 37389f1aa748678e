// @rkt/stage1-api: the versioned contract between stage0 and stage1 plugins. No engine code.
export * from "./appc-types.js";
export * from "./capabilities.js";
export * from "./errors.js";
export * from "./image-contract.js";
export * from "./layout.js";
export * from "./pod-files.js";
export * from "./tokens.js";
export * from "./types.js";
export * from "./version.js";
export { defineStage1, type RegisteredStage1Definition } from "./define.js";
