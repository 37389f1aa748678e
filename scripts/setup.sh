#!/usr/bin/env bash
# Sets up a Debian 12 machine for rkt-ts, as root: the system packages rkt and its tests
# use, rkt-ts's own Node.js runtime and pnpm (scripts/install-node.sh), the dependencies,
# the build, and `rkt` on PATH. Safe to run again.
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
  qemu-system-x86 cpio          # the kvm stage1's VMs; cpio reads back its initramfs in tests
  busybox-static                # root filesystems of the demo and test images
  xz-utils bzip2 gzip tar       # compressed ACIs
  util-linux iproute2 procps    # mount, nsenter, ps in tests; ip netns (pod network namespaces), tc (kvm taps)
  containernetworking-plugins   # CNI plugins (ptp, bridge, host-local...) in /usr/lib/cni: pod networks
  iptables                      # --port forwarding (and the CNI plugins' masquerade rules)
  hyperfine                     # bench/
  docker-registry skopeo umoci  # OCI/Docker image tests and bench: a registry on loopback, image tools
  apache2-utils jq zstd         # htpasswd -B (registry basic auth); jq for bench/oci-fetch.sh; zstd layers in tests
  gnupg openssl ca-certificates # trust tests: real keys and signatures, a test CA; the system CA store
  debootstrap                   # the fresh-machine and package tests: Debian 12 minbase roots
)

# Debian's npm (with its Node.js 18) serves only to download rkt-ts's own runtime, once.
if ! command -v npm >/dev/null && ! scripts/install-node.sh --installed; then PACKAGES+=(npm); fi

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

# The kvm stage1's guest kernel: Debian's newest linux-image-<release>-amd64 package,
# downloaded and unpacked (not installed) under /var/cache/rkt/kvm/<package>_<version>, with
# /var/cache/rkt/kvm/kernel pointing at it. The stage1 extracts and caches its vmlinux.
KVM_CACHE=/var/cache/rkt/kvm
kernel_pkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'; }
kpkg=$(kernel_pkg)
if [ -z "$kpkg" ]; then apt-get update -qq; kpkg=$(kernel_pkg); fi
kver=$(apt-cache policy "$kpkg" 2>/dev/null | awk '/Candidate:/ { print $2 }')
if [ -z "$kpkg" ] || [ -z "$kver" ] || [ "$kver" = "(none)" ]; then
  echo "setup: no linux-image-*-amd64 package in the apt sources: kvm pods need a kernel (see docs/stage1-kvm.md)" >&2
elif [ ! -d "$KVM_CACHE/${kpkg}_$kver" ]; then
  echo "setup: fetching the kvm guest kernel $kpkg $kver"
  ktmp=$(mktemp -d)
  (cd "$ktmp" && apt-get download -qq -o APT::Sandbox::User=root "$kpkg=$kver")
  mkdir -p "$KVM_CACHE"
  rm -rf "$KVM_CACHE/${kpkg}_$kver.tmp"
  dpkg-deb -x "$ktmp"/*.deb "$KVM_CACHE/${kpkg}_$kver.tmp"
  mv "$KVM_CACHE/${kpkg}_$kver.tmp" "$KVM_CACHE/${kpkg}_$kver"
  ln -sfn "${kpkg}_$kver" "$KVM_CACHE/kernel"
  rm -rf "$ktmp"
fi

# rkt-ts's own runtime: Node.js 24 and pnpm in runtime/node (Debian's npm only downloads them).
scripts/install-node.sh
export PATH="$PWD/runtime/node/bin:$PATH"

export TURBO_TELEMETRY_DISABLED=1
pnpm install --frozen-lockfile --reporter=append-only | { grep -v -E "^(Progress|Packages):" || true; }
pnpm run --silent build

ln -sf "$PWD/bin/rkt" /usr/local/bin/rkt
echo "setup: done; $(rkt version | head -n 1)"
