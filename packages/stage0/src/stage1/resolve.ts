// Resolving packages as @rkt/stage0 depends on them (the builtin flavors, the host's
// @rkt/stage1-api): from stage0's own package.json rather than from the calling file, because
// in the bundled CLI every module's import.meta.url is the bundle's, and the bundle's
// node_modules does not hold the stage1 flavors.
import { createRequire } from "node:module";

let cached: NodeJS.Require | undefined;

export function stage0Require(): NodeJS.Require {
  if (cached) return cached;
  const here = createRequire(import.meta.url);
  try {
    cached = createRequire(here.resolve("@rkt/stage0/package.json"));
  } catch {
    cached = here;
  }
  return cached;
}
