import { fileURLToPath } from 'node:url';

/** Absolute path of the native helper, `bin/rkt-isolation` of this package. */
export function helperPath(): string {
  return fileURLToPath(new URL('../bin/rkt-isolation', import.meta.url));
}
