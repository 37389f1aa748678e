#!/usr/bin/env bash
# Sets up a Debian 12 machine for rkt-ts, as root: the system packages rkt and its tests
# use, pnpm, the dependencies, the build, and `rkt` on PATH. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "setup: run as root (rkt manages mounts and namespaces)" >&2
  exit 1
fi

PACKAGES=(
  gcc libc6-dev make            # the static isolation helper
  libseccomp-dev                # seccomp filters, linked statically into the helper (libseccomp.a)
  systemd-container             # systemd-nspawn: the nspawn stage1, the default flavor
  busybox-static                # root filesystems of the demo and test images
  xz-utils bzip2 gzip tar       # compressed ACIs
  util-linux iproute2 procps    # mount, nsenter, ps in tests
  hyperfine                     # bench/
  gnupg openssl ca-certificates # trust tests: real keys and signatures, a test CA; the system CA store
)

missing=()
for p in "${PACKAGES[@]}"; do
  case "$p" in \#*) continue ;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PNPM_VERSION=10.34.9
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install -g --silent "pnpm@$PNPM_VERSION" >/dev/null
fi

export TURBO_TELEMETRY_DISABLED=1
pnpm install --frozen-lockfile --reporter=append-only | { grep -v -E "^(Progress|Packages):" || true; }
pnpm run --silent build

ln -sf "$PWD/bin/rkt" /usr/local/bin/rkt
echo "setup: done; $(rkt version | head -n 1)"
