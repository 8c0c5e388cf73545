#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy and kubectl from the k8s.io/kubernetes
# Go module into $K8S_BIN (~/.cache/kmirror-cluster/k8s-v<version>/); does nothing when they are already there.
#
# k8s.io/kubernetes requires its ~30 staging modules at v0.0.0 and replaces them with ./staging/src paths, which
# only apply inside its own repository. A throw-away wrapper main module replaces each one with its published
# v0.<minor>.<patch> release, derived from the dependency's own go.mod (so the list is never hard-coded).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/config.sh"
CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

have_all() { local c; for c in "${CMDS[@]}"; do [ -x "$K8S_BIN/$c" ] || return 1; done; }
if have_all; then echo "build-k8s: cached in $K8S_BIN"; exit 0; fi
mkdir -p "$CLUSTER_CACHE/build"
exec 7> "$CLUSTER_CACHE/build/k8s.lock"; flock 7        # a concurrent build of the same tree waits for this one
if have_all; then echo "build-k8s: built meanwhile in $K8S_BIN"; exit 0; fi
command -v go >/dev/null || { echo "build-k8s: Go (>= 1.24) is needed to build Kubernetes v$K8S_VERSION" >&2; exit 1; }

minor=$(echo "$K8S_VERSION" | cut -d. -f2)
staging_version="v0.${K8S_VERSION#1.}"               # 1.34.4 -> v0.34.4
work=$CLUSTER_CACHE/build/k8s-v$K8S_VERSION
log=$CLUSTER_CACHE/build/k8s-v$K8S_VERSION.log
mkdir -p "$work" && cd "$work"
echo "build-k8s: building Kubernetes v$K8S_VERSION in $work (log: $log); takes ~10-20 min cold on 2 cores"
start=$(date +%s)

rm -f go.mod go.sum
go mod init kmirror.local/k8sbuild >/dev/null 2>&1
kgomod=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
[ -f "$kgomod" ] || { echo "build-k8s: could not download k8s.io/kubernetes@v$K8S_VERSION" >&2; exit 1; }
grep -oE '^\s*k8s.io/[a-z0-9-]+ => \./staging/src/' "$kgomod" | awk -v v="$staging_version" '{print "replace " $1 " => " $1 " " v}' >> go.mod
# godebug settings only apply in a main module: copy k8s.io/kubernetes's (line or block form)
awk '/^godebug \(/{b=1} b{print} /^\)/{b=0} /^godebug [^(]/{print}' "$kgomod" >> go.mod
echo "build-k8s: $(grep -c '^replace' go.mod) staging modules replaced by $staging_version"

{
  go get -tool $(for c in "${CMDS[@]}"; do echo "k8s.io/kubernetes/cmd/$c@v$K8S_VERSION"; done)
  go mod tidy
} > "$log" 2>&1 || { tail -30 "$log" >&2; echo "build-k8s: module resolution failed (log: $log)" >&2; exit 1; }
echo "build-k8s: modules resolved in $(( $(date +%s) - start )) s"

# version stamps, otherwise the binaries say v0.0.0-master+$Format:%H$ and kubectl warns about skew
ldflags="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  ldflags+=" -X $p.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
done
mkdir -p "$K8S_BIN.tmp"
# static like upstream release builds; niced because the machine is shared
CGO_ENABLED=0 nice -n 10 /usr/bin/time -v go build -p "${KMIRROR_BUILD_JOBS:-2}" -trimpath -ldflags "$ldflags" \
  -o "$K8S_BIN.tmp/" $(for c in "${CMDS[@]}"; do echo "k8s.io/kubernetes/cmd/$c"; done) >> "$log" 2>&1 \
  || { tail -40 "$log" >&2; echo "build-k8s: go build failed (log: $log)" >&2; exit 1; }
rm -rf "$K8S_BIN" && mv "$K8S_BIN.tmp" "$K8S_BIN"
"$K8S_BIN/kubelet" --version
echo "build-k8s: done in $(( $(date +%s) - start )) s; $(grep -E 'Maximum resident' "$log" | sed 's/^\s*//')"
