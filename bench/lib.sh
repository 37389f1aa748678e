# Shared by the benchmark scripts: `source bench/lib.sh`.

# `node` is rkt-ts's own runtime (scripts/install-node.sh): the one rkt runs on, so that
# `node -e 0` is the baseline of a rkt command.
PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/runtime/node/bin:$PATH"
export PATH

# true_image WORK RKT...: builds a busybox ACI whose app is /bin/true in WORK, fetches it with
# the rkt command given, and prints the image ID (the image is then in the store, rendered).
true_image() {
  local work=$1
  shift
  mkdir -p "$work/aci/rootfs/bin" "$work/aci/rootfs/etc" "$work/aci/rootfs/usr"
  cp /bin/busybox "$work/aci/rootfs/bin/busybox"
  ln -s busybox "$work/aci/rootfs/bin/true"
  ln -s busybox "$work/aci/rootfs/bin/sh"
  echo "root:x:0:0:root:/root:/bin/sh" > "$work/aci/rootfs/etc/passwd"
  echo "root:x:0:" > "$work/aci/rootfs/etc/group"
  cat > "$work/aci/manifest" <<'JSON'
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/true","labels":[{"name":"os","value":"linux"},{"name":"arch","value":"amd64"}],
 "app":{"exec":["/bin/true"],"user":"0","group":"0"}}
JSON
  tar -C "$work/aci" -czf "$work/true.aci" manifest rootfs
  "$@" --insecure-options=image fetch "$work/true.aci" 2>/dev/null
}
