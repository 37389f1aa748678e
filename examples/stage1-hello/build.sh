#!/bin/sh
# Builds and packs the example the way a third party would: against the *packed* API
# package (not a workspace link), with its own npm install and tsc, then `npm pack`.
#   build.sh [OUT_DIR]       (default: ./out)      RKT_REPO: the rkt-ts checkout (default ../..)
# Produces OUT_DIR/stage1-hello-<version>.tgz; install it with `rkt stage1 install`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=${RKT_REPO:-$(cd "$here/../.." && pwd)}
out=${1:-$here/out}
mkdir -p "$here/vendor" "$out"
out=$(cd "$out" && pwd)

# 1. The API as published: `pnpm pack` of the host's (built) package.
rm -f "$here"/vendor/rkt-stage1-api-*.tgz
(cd "$repo/packages/stage1-api" && pnpm pack --pack-destination "$here/vendor" >/dev/null)

# 2. Our own dependencies (the API from vendor/, typescript and @types/node from the registry).
cd "$here"
npm install --no-audit --no-fund --no-package-lock --loglevel=error
./node_modules/.bin/tsc -p .

# 3. The package rkt installs: package.json and dist/ (see "files"), no node_modules.
npm pack --pack-destination "$out" --loglevel=error >/dev/null
ls "$out"/stage1-hello-*.tgz
