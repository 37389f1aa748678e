// The stage1 flavors that ship with rkt-ts, in one reviewable place. Each is a separate,
// separately versioned package; stage0 finds it through node's resolution.
export const BUILTIN_STAGE1_PACKAGES: readonly string[] = ["@rkt/stage1-nspawn", "@rkt/stage1-fly", "@rkt/stage1-kvm", "@rkt/stage1-bridge"];

/** The flavor used when no --stage1-* flag and no stage1.d configuration choose one. */
export const DEFAULT_STAGE1_NAME = "nspawn";
