// The stage1 flavors that ship with rkt-ts, in one reviewable place. Each is a separate,
// separately versioned package; stage0 finds it through node's resolution. The flavor names
// are listed too, so selecting one by name reads only that package (its package.json must agree).
export const BUILTIN_STAGE1S: readonly { packageName: string; name: string }[] = [
  { packageName: "@rkt/stage1-nspawn", name: "nspawn" },
  { packageName: "@rkt/stage1-fly", name: "fly" },
  { packageName: "@rkt/stage1-kvm", name: "kvm" },
  { packageName: "@rkt/stage1-bridge", name: "bridge" },
];

/** The flavor used when no --stage1-* flag and no stage1.d configuration choose one. */
export const DEFAULT_STAGE1_NAME = "nspawn";

/**
 * The builtins' entry modules as static imports. Loading a builtin through these (rather
 * than by its path) lets the bundled CLI carry the in-tree flavors inside it; unbundled, the
 * import resolves to the same files as the package's `entry`.
 */
export const BUILTIN_STAGE1_MODULES: Readonly<Record<string, () => Promise<unknown>>> = {
  "@rkt/stage1-nspawn": () => import("@rkt/stage1-nspawn"),
  "@rkt/stage1-fly": () => import("@rkt/stage1-fly"),
  "@rkt/stage1-kvm": () => import("@rkt/stage1-kvm"),
  "@rkt/stage1-bridge": () => import("@rkt/stage1-bridge"),
};
