/**
 * The stage1 protocol version this package describes. It is independent of every npm
 * package version (CNI's model): a stage1 declares the protocol range it speaks in its
 * package.json (`"rkt": {"stage1": {"protocol": "^1.0.0"}}`) and stage0 checks it with
 * semver before loading any of the stage1's code.
 *
 * Minor versions add optional members (a stage1 written for 1.0 keeps working under 1.x);
 * a major version changes or removes something a stage1 relies on.
 */
export const PROTOCOL_VERSION = "1.2.0";

/** The token under which stage1 plugins register: the protocol major is part of it. */
export const STAGE1_TYPE = "rkt.stage1.v1";
