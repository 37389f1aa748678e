import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the native helper: the one rkt's launcher says it is (the launcher is
 * that binary, and a bundled CLI lives far from this package), else `bin/rkt-isolation` of
 * this package.
 */
export function helperPath(): string {
  return process.env['RKT_ISOLATION_HELPER'] || fileURLToPath(new URL('../bin/rkt-isolation', import.meta.url));
}
