export * from "./app.js";
export * from "./env.js";
export * from "./mounts.js";
export * from "./root-path.js";
export * from "./users.js";
export * from "./volumes.js";
export * from "./isolators.js";
export * from "./seccomp-sets.js";
