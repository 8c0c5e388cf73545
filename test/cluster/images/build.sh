#!/usr/bin/env bash
# Builds the cluster's OCI images without a registry or Docker and imports them into the test cluster's
# containerd (namespace k8s.io). usage: images/build.sh [--no-import] [IMAGE...]   (default: every image)
# Images: pause coredns busybox node_http go_http go_http_debug udp_echo python_http agent debugger (names and refs in rootfs.sh).
# Route: umoci (empty image, unpack, fill rootfs, repack, config) -> skopeo -> docker-archive tar (keeps the
# name:tag) -> `ctr images import`. A tar is rebuilt only when its inputs changed; the agent image is re-checked on
# every call, so calling this again after a new agent build re-imports it.
set -euo pipefail
IMAGES_SRC=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$IMAGES_SRC/../../.." && pwd)
. "$IMAGES_SRC/../config.sh"
. "$IMAGES_SRC/../lib.sh"
. "$IMAGES_SRC/rootfs.sh"
ALL="pause coredns busybox node_http go_http go_http_debug udp_echo python_http agent debugger"

import=1
[ "${1:-}" = --no-import ] && { import=0; shift; }
names=${*:-$ALL}
for n in $names; do [[ " $ALL " == *" $n "* ]] || die "unknown image '$n' (known: $ALL)"; done
for tool in umoci skopeo ctr; do command -v $tool >/dev/null || die "$tool is missing: run scripts/install-deps.sh"; done
if [ $import = 1 ]; then
  ctr -a "$CONTAINERD_SOCK" version >/dev/null 2>&1 || die "the test cluster's containerd is not running (npm run cluster:up)"
fi
mkdir -p "$IMAGE_CACHE"
exec 9> "$IMAGE_CACHE/.lock"; flock 9          # one builder at a time: up.sh and a re-import may overlap

fingerprint() {
  { cat "$IMAGES_SRC/build.sh" "$IMAGES_SRC/rootfs.sh"; echo "$IMAGE_REF ${ENTRYPOINT[*]}"
    stat -L -c '%n %s %Y' "${INPUTS[@]}"; } | sha256sum | cut -d' ' -f1
}

# build NAME: $IMAGE_CACHE/NAME.tar, a docker-archive tagged $IMAGE_REF
build() {
  local name=$1 work=$IMAGE_CACHE/$1.work e cfg
  rm -rf "$work" && mkdir -p "$work"
  umoci init --layout "$work/oci" && umoci new --image "$work/oci:latest"
  umoci unpack --rootless --image "$work/oci:latest" "$work/bundle" >/dev/null
  "fill_$name" "$work/bundle/rootfs"
  umoci repack --image "$work/oci:latest" "$work/bundle"
  cfg=(--os linux --architecture amd64 --config.workingdir / --config.env PATH=/usr/local/bin:/usr/bin:/bin)
  for e in "${ENTRYPOINT[@]}"; do cfg+=(--config.entrypoint "$e"); done
  umoci config --image "$work/oci:latest" "${cfg[@]}"
  rm -f "$IMAGE_CACHE/$name.tar"
  skopeo copy --quiet "oci:$work/oci:latest" "docker-archive:$IMAGE_CACHE/$name.tar:$IMAGE_REF"
  rm -rf "$work"
}

for name in $names; do
  "fill_$name"                                   # no argument: only sets IMAGE_REF, ENTRYPOINT, INPUTS
  for f in "${INPUTS[@]}"; do [ -e "$f" ] || die "image $name needs $f (build it first)"; done
  fp=$(fingerprint)
  if [ -f "$IMAGE_CACHE/$name.tar" ] && [ "$(cat "$IMAGE_CACHE/$name.fingerprint" 2>/dev/null)" = "$fp" ]; then
    how=cached
  else
    build "$name" > "$IMAGE_CACHE/$name.log" 2>&1 || { cat "$IMAGE_CACHE/$name.log" >&2; die "building image $name failed"; }
    echo "$fp" > "$IMAGE_CACHE/$name.fingerprint"; how=built
  fi
  # containerd's content store lives in the run dir, so this record goes with it at cluster:down
  imported=$RUN_DIR/containerd/imported-$name
  if [ $import = 1 ] && [ "$(cat "$imported" 2>/dev/null)" != "$fp" ]; then
    ctr_k8s images import "$IMAGE_CACHE/$name.tar" >/dev/null || die "importing $IMAGE_REF failed"
    echo "$fp" > "$imported"; how="$how+imported"
  elif [ $import = 1 ]; then how="$how, already imported"; fi
  say "image $IMAGE_REF ($how, $(du -h "$IMAGE_CACHE/$name.tar" | cut -f1))"
done
