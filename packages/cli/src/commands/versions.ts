// Version constants without loading stage0 (rkt version stays instant).
export { APPC_VERSION, RKT_COMPAT_VERSION, RKT_VERSION } from "@rkt/stage0/version";
export { PROTOCOL_VERSION as PROTOCOL_VERSION_FOR_CLI } from "@rkt/stage1-api/version";
