#!/usr/bin/env bash
# Builds dist/rkt-ts_VERSION_amd64.deb with dpkg-deb from a built checkout (pnpm run build):
#   /usr/bin/rkt                         the launcher (the static helper, rkt-isolation)
#   /usr/lib/rkt-ts/runtime/node         rkt-ts's own Node.js runtime (stripped)
#   /usr/lib/rkt-ts/packages/cli         the bundled CLI with its code cache, and the packages
#                                        it loads (stage0, the in-tree stage1s, the stage1 API
#                                        for plugins, openpgp, tar), production dependencies only
#   /usr/share/bash-completion, /usr/share/man/man1 (pages made from --help by man.mjs)
#   /lib/systemd/system                  rkt's units (dist/init/systemd: the api and metadata
#                                        services with their sockets, gc), installed, not enabled
# The launcher finds the CLI and the runtime from its own path, as in a checkout.
#   scripts/build-deb.sh [OUT_DIR]       (default: dist)
#   DEB_COMPRESSION=xz (default: the smallest, about a minute) or zstd (level 9: seconds,
#   about a third larger); Debian 12's dpkg reads both.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export PATH="$repo/runtime/node/bin:$PATH"
fail() { echo "build-deb: $*" >&2; exit 1; }
case ${DEB_COMPRESSION:-xz} in
  xz) compress=(-Zxz) ;;
  zstd) compress=(-Zzstd -z9) ;;
  *) fail "DEB_COMPRESSION=$DEB_COMPRESSION: xz or zstd" ;;
esac

[ -x packages/isolation/bin/rkt-isolation ] && [ -f packages/cli/dist/rkt.cjs.cache ] || fail "build rkt-ts first: pnpm run build"
scripts/install-node.sh --installed || fail "rkt-ts's runtime is not installed: scripts/install-node.sh"
version=$(node -p 'require("./package.json").version')
out=$(realpath -m "${1:-dist}")
mkdir -p "$out"
stage=$(mktemp -d "$out/.deb-root.XXXXXX")
trap 'rm -rf "$stage"' EXIT
lib=$stage/usr/lib/rkt-ts

# The CLI and what it loads, as a flat node_modules without pnpm's bookkeeping.
cli=$lib/packages/cli
pnpm --filter @rkt/cli deploy --prod --config.node-linker=hoisted "$cli" >/dev/null
rm -rf "$cli"/pnpm-*.yaml "$cli"/node_modules/{.bin,.pnpm,.modules.yaml,.pnpm-workspace-state-v1.json}
# The launcher lives at <lib>/packages/isolation/bin (it runs <lib>/packages/cli/bin/rkt.cjs
# on <lib>/runtime/node/bin/node); the isolation package points there instead of a copy.
iso=$cli/node_modules/@rkt/isolation
install -D -m 0755 packages/isolation/bin/rkt-isolation "$lib/packages/isolation/bin/rkt-isolation"
rm -rf "$iso/native" "$iso/Makefile" "$iso/bin/rkt-isolation"
ln -s ../../../../../isolation/bin/rkt-isolation "$iso/bin/rkt-isolation"
install -D -m 0755 runtime/node/bin/node "$lib/runtime/node/bin/node"
strip "$lib/runtime/node/bin/node"
install -D -m 0644 runtime/node/LICENSE "$lib/runtime/node/LICENSE"
mkdir -p "$stage/usr/bin"
ln -s ../lib/rkt-ts/packages/isolation/bin/rkt-isolation "$stage/usr/bin/rkt"

mkdir -p "$stage/usr/share/bash-completion/completions" "$stage/usr/share/man/man1" "$stage/usr/share/doc/rkt-ts"
bin/rkt completion bash >"$stage/usr/share/bash-completion/completions/rkt"
node scripts/man.mjs "$stage/usr/share/man/man1"
gzip -9n "$stage"/usr/share/man/man1/*.1
install -m 0644 README.md "$stage/usr/share/doc/rkt-ts/README.md"
cat >"$stage/usr/share/doc/rkt-ts/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: rkt-ts

Files: usr/lib/rkt-ts/runtime/node/*
Copyright: Node.js contributors
License: MIT and others, see /usr/lib/rkt-ts/runtime/node/LICENSE

Files: usr/lib/rkt-ts/packages/cli/node_modules/*
Copyright: their authors
License: see each package's own licence file
EOF
install -D -m 0644 -t "$stage/lib/systemd/system" dist/init/systemd/*.service dist/init/systemd/*.socket dist/init/systemd/*.timer
install -m 0644 dist/init/systemd/README.md "$stage/usr/share/doc/rkt-ts/systemd.md"

mkdir -p "$stage/DEBIAN"
install -m 0755 -t "$stage/DEBIAN" packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm
cat >"$stage/DEBIAN/control" <<EOF
Package: rkt-ts
Version: $version
Architecture: amd64
Maintainer: rkt-ts developers <rkt-ts@localhost>
Installed-Size: $(du -sk --apparent-size "$stage" | cut -f1)
Depends: libc6 (>= 2.28), libstdc++6 (>= 5.2), libgcc-s1 (>= 3.4), systemd-container, iptables, containernetworking-plugins, iproute2
Recommends: qemu-system-x86, cpio, ca-certificates, xz-utils, bzip2, zstd
Section: admin
Priority: optional
Description: rkt, the daemonless pod-native container engine, in TypeScript
 rkt-ts keeps rkt's command line, its on-disk layout (/var/lib/rkt) and its
 stage1 contract. Pods run on pluggable stage1 flavors: fly (chroot), nspawn
 (systemd-nspawn, the default) and kvm (a QEMU virtual machine, which also
 needs a guest kernel). It brings its own Node.js runtime.
EOF
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums)

deb="$out/rkt-ts_${version}_amd64.deb"
dpkg-deb --root-owner-group "${compress[@]}" --build "$stage" "$deb" >/dev/null
echo "$deb"
