// The script rkt's launcher runs. It loads the bundled CLI (dist/rkt.cjs, made by
// `pnpm build`) through vm.Script with a V8 code cache, which starts several times faster
// than Node's module loader on a hundred small ESM files. When the bundle is missing, or
// older than a TypeScript build of any package (a developer ran `tsc -b` since), it loads
// the unbundled dist/main.js instead. RKT_BUNDLE=off forces the unbundled CLI.
"use strict";
// rkt's launcher runs rkt-ts's own Node.js (runtime/node); RKT_NODE may name another one.
if (Number(process.versions.node.split(".")[0]) < 24) {
  process.stderr.write(`rkt: rkt-ts needs Node.js 24 or later, and ${process.execPath} is ${process.version} (unset RKT_NODE, or run scripts/install-node.sh)\n`);
  process.exit(254);
}
const fs = require("node:fs");
const path = require("node:path");

const dist = path.join(__dirname, "..", "dist");
const bundle = path.join(dist, "rkt.cjs");

function bundleIsFresh() {
  if (process.env.RKT_BUNDLE === "off") return false;
  let built;
  try {
    built = fs.statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  if (process.env.RKT_BUNDLE === "require") return true;
  // In a source checkout, each package's tsconfig.tsbuildinfo changes with its dist.
  const repo = path.join(__dirname, "..", "..", "..");
  for (const group of ["packages", "plugins"]) {
    let names = [];
    try {
      names = fs.readdirSync(path.join(repo, group));
    } catch {
      continue;
    }
    for (const name of names) {
      try {
        if (fs.statSync(path.join(repo, group, name, "tsconfig.tsbuildinfo")).mtimeMs > built) return false;
      } catch {
        // not a TypeScript package
      }
    }
  }
  return true;
}

function runBundle() {
  const vm = require("node:vm");
  const { createRequire } = require("node:module");
  const cacheFile = `${bundle}.cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // no cache yet: it is written below
  }
  const source = fs.readFileSync(bundle, "utf8");
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapper, { filename: bundle, cachedData });
  // Dynamic import() from code compiled with a cache has no loader callback:
  // the bundle imports stage1 plugins through this function, defined in a real module.
  globalThis.__rktImport = (url) => import(url);
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, createRequire(bundle), mod, bundle, dist);
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once("exit", () => {
      try {
        fs.writeFileSync(`${cacheFile}.${process.pid}`, script.createCachedData());
        fs.renameSync(`${cacheFile}.${process.pid}`, cacheFile);
      } catch {
        // a read-only installation simply runs without a cache
      }
    });
  }
}

if (bundleIsFresh()) runBundle();
else import(path.join(dist, "main.js"));
