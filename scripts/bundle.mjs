// Bundles the rkt CLI (with stage0 and the libraries it uses) into one CommonJS file and
// primes a V8 code cache for it. Resolving and compiling some hundred ESM files costs more
// than rkt's own work on a `rkt run`; one file loaded with a code cache starts in a few
// milliseconds. (Node 24's module.enableCompileCache() was measured too: its cache of the
// bundle holds only the eagerly compiled code, and a fly `rkt run` took more time and CPU
// than with this vm.Script cache, which also holds the functions its command compiled.)
// openpgp and tar, and stage1 plugins outside the bundle, load as usual.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "packages/cli/dist/rkt.cjs");

await build({
  entryPoints: [join(root, "packages/cli/dist/main.js")],
  outfile: out,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node24",
  // Large and rarely needed (openpgp verifies signatures, tar parses ACIs on import):
  // required from node_modules when used, not compiled on every start.
  external: ["openpgp", "tar"],
  // import() of those becomes require(): code run from a vm.Script has no import() loader.
  supported: { "dynamic-import": false },
  // Every module's import.meta.url becomes the bundle's own URL.
  define: { "import.meta.url": "__rkt_bundle_url" },
  banner: { js: 'const __rkt_bundle_url = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: "warning",
  legalComments: "none",
});

// Prime the code cache with a command that loads the CLI (the loader writes it), run by
// rkt itself: a cache is only valid for the Node.js that made it, rkt's runtime.
rmSync(`${out}.cache`, { force: true });
execFileSync(join(root, "bin/rkt"), ["version"], {
  env: { ...process.env, RKT_BUNDLE: "require" },
  stdio: "ignore",
});
