/** The rkt-ts release. */
export const RKT_VERSION = "0.1.0";
/** The rkt release whose command line, layout and stage1 contract this one follows. */
export const RKT_COMPAT_VERSION = "1.30.0";
/** The appc spec version of the manifests. */
export const APPC_VERSION = "0.8.11";
