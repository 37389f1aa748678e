#!/usr/bin/env bash
# A first pod: builds a small busybox ACI, fetches it into a scratch data directory and runs
# it on the fly stage1 and on the default flavor (nspawn, with its own network).
#   scripts/demo.sh [FLAVOR...]     the flavors to run it on (default: fly nspawn)
set -euo pipefail
flavors=("$@")
[ ${#flavors[@]} -gt 0 ] || flavors=(fly nspawn)
work=$(mktemp -d /tmp/rkt-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/aci/rootfs/bin" "$work/aci/rootfs/etc"
cp /bin/busybox "$work/aci/rootfs/bin/busybox"
for applet in sh echo cat uname hostname id; do ln -s busybox "$work/aci/rootfs/bin/$applet"; done
echo "root:x:0:0:root:/root:/bin/sh" > "$work/aci/rootfs/etc/passwd"
echo "root:x:0:" > "$work/aci/rootfs/etc/group"
cat > "$work/aci/manifest" <<'JSON'
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/hello","labels":[{"name":"version","value":"1.0"},{"name":"os","value":"linux"},{"name":"arch","value":"amd64"}],
 "app":{"exec":["/bin/sh","-c","echo Hello from a rkt-ts pod: $(id -un)@$(uname -n), app $AC_APP_NAME"],"user":"0","group":"0"}}
JSON
tar --numeric-owner -C "$work/aci" -czf "$work/hello.aci" manifest rootfs

set -x
rkt --dir="$work/data" --insecure-options=image fetch "$work/hello.aci"
rkt --dir="$work/data" image list
for flavor in "${flavors[@]}"; do
  rkt --dir="$work/data" --insecure-options=image run --stage1-name="$flavor" "$work/hello.aci"
done
rkt --dir="$work/data" list
rkt --dir="$work/data" gc --grace-period=0s
