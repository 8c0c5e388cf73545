#!/usr/bin/env bash
# Builds CoreDNS (cluster DNS) from its Go module into $COREDNS_BIN (~/.cache/kmirror-cluster/coredns-v<version>/);
# does nothing when it is already there. CoreDNS's go.mod has no replace directives, so `go install module@version`
# builds it as published; its default plugin set includes kubernetes, forward, cache, health and ready.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/config.sh"
if [ -x "$COREDNS_BIN/coredns" ]; then echo "build-coredns: cached in $COREDNS_BIN"; exit 0; fi
mkdir -p "$CLUSTER_CACHE/build"
exec 7> "$CLUSTER_CACHE/build/coredns.lock"; flock 7
if [ -x "$COREDNS_BIN/coredns" ]; then echo "build-coredns: built meanwhile in $COREDNS_BIN"; exit 0; fi
command -v go >/dev/null || { echo "build-coredns: Go is needed to build CoreDNS v$COREDNS_VERSION" >&2; exit 1; }
log=$CLUSTER_CACHE/build/coredns-v$COREDNS_VERSION.log
mkdir -p "$CLUSTER_CACHE/build" "$COREDNS_BIN.tmp"
start=$(date +%s)
echo "build-coredns: building CoreDNS v$COREDNS_VERSION (log: $log)"
# static so the image needs nothing but the binary; niced because the machine is shared
GOBIN=$COREDNS_BIN.tmp CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 10 go install -p "${KMIRROR_BUILD_JOBS:-2}" -trimpath \
  -ldflags "-s -w" "github.com/coredns/coredns@v$COREDNS_VERSION" > "$log" 2>&1 \
  || { tail -30 "$log" >&2; echo "build-coredns: go install failed (log: $log)" >&2; exit 1; }
rm -rf "$COREDNS_BIN" && mv "$COREDNS_BIN.tmp" "$COREDNS_BIN"
echo "build-coredns: $("$COREDNS_BIN/coredns" -version | head -1) in $(( $(date +%s) - start )) s"
