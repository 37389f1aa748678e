#!/usr/bin/env bash
# Fetching and rendering a multi-layer image of about 100 MB from a registry on loopback:
#   rkt fetch docker://...             (download, verify, store, render the tree)
# against
#   skopeo copy docker://... oci:... && umoci unpack   (download, verify, unpack)
# alternated by hyperfine, each run from an empty data directory. Then a second image
# sharing all but one layer with the first is fetched, and the registry's access log shows
# which blobs were downloaded.
#
# Needs: docker-registry, skopeo, umoci, hyperfine, busybox-static, jq (scripts/setup.sh).
# Usage: bench/oci-fetch.sh [RUNS]     (default 10 runs each)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
RKT="$REPO/bin/rkt"
RUNS=${1:-10}

W=$(mktemp -d /tmp/rkt-bench-oci-XXXXXX)
REG_PID=""
cleanup() {
  if [ -n "$REG_PID" ]; then kill "$REG_PID" 2>/dev/null || true; wait "$REG_PID" 2>/dev/null || true; fi
  rm -rf "$W"
}
trap cleanup EXIT

# --- a registry on a free loopback port
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
HOST="127.0.0.1:$PORT"
mkdir -p "$W/registry"
cat > "$W/registry/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $W/registry/data
http:
  addr: $HOST
EOF
docker-registry serve "$W/registry/config.yml" > "$W/registry/log" 2>&1 &
REG_PID=$!
for _ in $(seq 100); do curl -sf "http://$HOST/v2/" >/dev/null && break; sleep 0.05; done

# --- the image, built with umoci: five layers, about 100 MB uncompressed
echo "building the image (umoci) ..."
L="$W/layout"
umoci init --layout "$L"
umoci new --image "$L:big"
add_layer() { # add_layer <script run in the rootfs>
  umoci unpack --image "$L:big" "$W/bundle" >/dev/null
  (cd "$W/bundle/rootfs" && set +o pipefail && eval "$1")
  umoci repack --image "$L:big" "$W/bundle" >/dev/null
  rm -rf "$W/bundle"
}
# 1: a busybox system
add_layer 'mkdir -p bin etc tmp && cp /bin/busybox bin/ && for a in $(bin/busybox --list); do ln -sf busybox bin/$a; done; echo "root:x:0:0::/root:/bin/sh" > etc/passwd'
# 2: many small text files (like /usr/share and site-packages): 6000 files, ~24 MB
add_layer 'mkdir -p usr/share/doc && for d in $(seq 60); do mkdir -p usr/share/doc/pkg$d; for f in $(seq 100); do seq $((d*f)) $((d*f+700)) > usr/share/doc/pkg$d/file$f.txt; done; done'
# 3: binaries (incompressible), 40 MB in 8 files
add_layer 'mkdir -p usr/lib/big && for i in $(seq 8); do head -c 5M /dev/urandom > usr/lib/big/lib$i.so; done'
# 4: compressible data, 32 MB
add_layer 'mkdir -p var/data && for i in $(seq 4); do yes "row $i of compressible data, with some text to compress" | head -c 8M > var/data/table$i.csv; done'
# 5: config and an app, small
add_layer 'mkdir -p app etc/app && echo "#!/bin/sh" > app/run && chmod 755 app/run && echo "key=value" > etc/app/app.conf && rm -f var/data/table4.csv'
umoci config --image "$L:big" --config.cmd /app/run --architecture amd64 --os linux
skopeo copy --quiet --dest-tls-verify=false "oci:$L:big" "docker://$HOST/bench/big:1"
# the second image: the first plus one small layer
add_layer 'echo "version 2" > app/VERSION'
skopeo copy --quiet --dest-tls-verify=false "oci:$L:big" "docker://$HOST/bench/big:2"

SIZE=$(du -sb "$W/registry/data" | cut -f1)
echo "registry holds $((SIZE / 1000000)) MB (compressed blobs of both images)"

# --- the race
D="$W/rkt-data"
S="$W/skopeo"
hyperfine --style basic --runs "$RUNS" --warmup 1 --export-json "$W/hyperfine.json" \
  --command-name "rkt fetch (download + verify + render)" \
  --prepare "rm -rf $D && sync" \
  "$RKT --dir=$D --insecure-options=image,http fetch docker://$HOST/bench/big:1" \
  --command-name "skopeo copy + umoci unpack" \
  --prepare "rm -rf $S && mkdir -p $S && sync" \
  "skopeo copy --quiet --src-tls-verify=false docker://$HOST/bench/big:1 oci:$S/layout:big && umoci unpack --image $S/layout:big $S/bundle"

RKT_MED=$(jq '.results[0].median' "$W/hyperfine.json")
PEER_MED=$(jq '.results[1].median' "$W/hyperfine.json")
RATIO=$(node -e "console.log(($RKT_MED / $PEER_MED).toFixed(2))")
printf '\nmedian rkt fetch: %.3f s   median skopeo copy + umoci unpack: %.3f s   ratio: %s x (goal <= 1.0)\n' "$RKT_MED" "$PEER_MED" "$RATIO"

# --- shared layers: fetch image 1, then image 2; count the blobs the registry served
rm -rf "$D"
"$RKT" --dir="$D" --insecure-options=image,http fetch "docker://$HOST/bench/big:1" >/dev/null
MARK=$(wc -l < "$W/registry/log")
"$RKT" --dir="$D" --insecure-options=image,http --debug fetch "docker://$HOST/bench/big:2" 2> "$W/fetch2.err" >/dev/null
GETS=$(tail -n +"$((MARK + 1))" "$W/registry/log" | grep -oE '"GET /v2/bench/big/blobs/sha256:[0-9a-f]+ HTTP/1.1" 20[06] [0-9]+' || true)
echo
echo "second image (all layers of the first + 1 new): blobs downloaded:"
echo "$GETS" | sed -E 's/.*blobs\/(sha256:[0-9a-f]{12})[0-9a-f]+ HTTP\/1.1" (20[06]) ([0-9]+)/  \1  \3 bytes/'
echo "  $(echo "$GETS" | grep -c . || true) blob GETs for $(jq '.layers | length' < <(skopeo inspect --raw --tls-verify=false "docker://$HOST/bench/big:2")) layers + 1 config"
grep -E "stored layer|already in the store" "$W/fetch2.err" | sed 's/^/  rkt: /' || true
echo "  store: $(find "$D/cas/blob/sha256" -type f | wc -l) blobs, $(ls "$D/cas/tree" | grep -c '^deps-') trees"
