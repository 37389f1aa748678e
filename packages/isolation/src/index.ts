export { encodeField, decodeField } from './encoding.js';
export { helperPath } from './helper.js';
export { SpecBuilder, writeSpec } from './spec.js';
export { LauncherClient, LauncherError, LockBusyError, type LaunchPlan } from './launcher.js';
export { probeLockViaProcLocks, readFlockTable, type FlockTable } from './proclocks.js';
export { runFsOps, type FsOp, type FsOpResult } from './fsops.js';
