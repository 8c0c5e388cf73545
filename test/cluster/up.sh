#!/usr/bin/env bash
# Brings up the single-node test cluster as host processes (npm run cluster:up):
#   containerd (runc, CNI bridge) -> etcd -> kube-apiserver -> controller-manager, scheduler -> kubelet ->
#   kube-proxy -> CoreDNS (Deployment in kube-system, Service kube-dns).
# Idempotent: a healthy cluster is left alone; a crashed or half-finished previous run is torn down first.
# Builds the Kubernetes and CoreDNS binaries when they are not cached yet (~/.cache/kmirror-cluster).
# Prints the admin kubeconfig path; `test/cluster/kubectl.sh` is kubectl bound to it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/config.sh"
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || die "up.sh must run as root (it starts containerd and kubelet)"
for tool in containerd runc etcd openssl iptables ip ss umoci skopeo ctr curl; do
  command -v $tool >/dev/null || die "$tool is missing: run scripts/install-deps.sh"
done
mkdir -p "$CLUSTER_CACHE"
exec 8> "$CLUSTER_CACHE/cluster.lock"
flock -w 600 8 || die "another cluster:up/down has held $CLUSTER_CACHE/cluster.lock for 10 minutes"

node_ready() {
  [ "$(kubectl_admin get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}
healthy() {
  local c; [ -f "$RUN_DIR/up.done" ] || return 1
  for c in $COMPONENTS; do is_running "$c" || return 1; done
  kubectl_admin get --raw /readyz >/dev/null 2>&1 && node_ready
}

# --- 0. state of a previous run
if healthy; then
  echo "cluster: already up (node $NODE_NAME Ready); refreshing images whose inputs changed (e.g. a new agent build)"
  bash "$here/images/build.sh" | sed 's/^ *[0-9.]*s  /  /'
  echo "cluster: KUBECONFIG=$KUBECONFIG_PATH"
  exit 0
fi
owner=$(cat "$HOST_OWNER_FILE" 2>/dev/null || true)
if [ -d "$RUN_DIR" ] || [ "$owner" = "$RUN_DIR" ]; then
  dead=""; for c in $COMPONENTS; do is_running "$c" || dead+=" $c"; done
  echo "cluster: found a stale or incomplete run in $RUN_DIR (not running:${dead:- none}); tearing it down first"
  KMIRROR_CLUSTER_LOCKED=1 bash "$here/down.sh" | sed 's/^/  down: /'
  owner=$(cat "$HOST_OWNER_FILE" 2>/dev/null || true)
fi
if [ -n "$owner" ] && [ "$owner" != "$RUN_DIR" ] && [ -d "$owner" ]; then
  die "another test cluster (state in $owner) holds bridge $BRIDGE and port $API_PORT; take it down first:
  KMIRROR_CLUSTER_CACHE=$(dirname "$owner") bash $here/down.sh"
fi
for port in $ETCD_PORT $ETCD_PEER_PORT $API_PORT $KUBELET_PORT $KUBELET_HEALTHZ_PORT $KCM_PORT $SCHEDULER_PORT \
    $PROXY_HEALTHZ_PORT $PROXY_METRICS_PORT; do
  ss -Hltn "sport = :$port" | grep -q . && die "port $port is in use by another process ($(ss -Hltnp "sport = :$port" | grep -o 'users:.*'))"
done
ip link show "$BRIDGE" >/dev/null 2>&1 && die "bridge $BRIDGE exists but no run owns it; remove it: ip link del $BRIDGE"

# a failed start-up leaves nothing running (logs are kept in $CLUSTER_CACHE/last-logs); KMIRROR_KEEP_FAILED=1 keeps it
on_exit() {
  local rc=$?
  [ -n "${images_pid:-}" ] && kill "$images_pid" 2>/dev/null
  if [ $rc != 0 ] && [ -z "${KMIRROR_KEEP_FAILED:-}" ] && [ -d "$RUN_DIR" ]; then
    echo "cluster: start-up failed; tearing down (logs: $CLUSTER_CACHE/last-logs)" >&2
    KMIRROR_CLUSTER_LOCKED=1 bash "$here/down.sh" >/dev/null 2>&1 || true
  fi
}
trap on_exit EXIT

# --- 1. binaries (cached after the first build)
bash "$here/build-k8s.sh"
bash "$here/build-coredns.sh"
say "binaries: Kubernetes v$K8S_VERSION, CoreDNS v$COREDNS_VERSION"
mkdir -p "$RUN_DIR"/{pids,logs,containerd,cni/net.d,pod-logs,kubelet}
echo "$RUN_DIR" > "$HOST_OWNER_FILE"

# --- 2. host: sysctls we or kubelet/kube-proxy change are saved for down.sh; bridge; cgroup root
bash "$here/host.sh" save
ip link add "$BRIDGE" type bridge
ip addr add "$NODE_IP/${POD_CIDR#*/}" dev "$BRIDGE"
ip link set "$BRIDGE" up
sysctl -qw net.ipv4.ip_forward=1
bash "$here/host.sh" cgroups
render() {                                   # render TEMPLATE OUT: replaces @VAR@ with the config value
  local vars=(RUN_DIR CONTAINERD_SOCK PAUSE_IMAGE BRIDGE POD_CIDR NODE_IP NODE_NAME CGROUP_ROOT KUBELET_PORT
    KUBELET_HEALTHZ_PORT PKI CLUSTER_DOMAIN DNS_SERVICE_IP KUBECONFIG_PATH PROXY_HEALTHZ_PORT PROXY_METRICS_PORT
    COREDNS_IMAGE) expr=() v
  for v in "${vars[@]}"; do expr+=(-e "s|@$v@|${!v}|g"); done
  sed "${expr[@]}" "$here/templates/$1" > "$2"
}
COREDNS_IMAGE=kmirror-cluster/coredns:$COREDNS_VERSION
say "host: bridge $BRIDGE $NODE_IP, ip_forward on, cgroup root /$CGROUP_ROOT"

# --- 3. containerd, then images (in the background while the control plane starts)
render containerd.toml "$RUN_DIR/containerd/config.toml"
render cni.conflist "$RUN_DIR/cni/net.d/10-kmirror-cluster.conflist"
start_daemon containerd containerd --config "$RUN_DIR/containerd/config.toml"
wait_for 20 containerd ctr -a "$CONTAINERD_SOCK" version || { check_alive containerd; exit 1; }
say "containerd $(ctr -a "$CONTAINERD_SOCK" version | awk '/Version/ {print $2; exit}') answering"
bash "$here/images/build.sh" > "$LOGS/images.log" 2>&1 & images_pid=$!

# --- 4. PKI, etcd, kube-apiserver
bash "$here/pki.sh"
say "PKI and kubeconfigs generated"
start_daemon etcd etcd --name kmirror --data-dir "$RUN_DIR/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "kmirror=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync --snapshot-count 10000
wait_for 20 etcd curl -sf "http://127.0.0.1:$ETCD_PORT/health" || { check_alive etcd; exit 1; }
say "etcd healthy"
start_daemon kube-apiserver "$K8S_BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=0.0.0.0 --secure-port="$API_PORT" --advertise-address="$NODE_IP" \
  --service-cluster-ip-range="$SERVICE_CIDR" --allow-privileged=true \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
  --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types=InternalIP \
  --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --profiling=false --v=1
wait_for 90 "kube-apiserver /readyz" kubectl_admin get --raw /readyz || { check_alive kube-apiserver; exit 1; }
say "kube-apiserver ready on https://127.0.0.1:$API_PORT"

# --- 5. controller-manager and scheduler (waited for with the node below)
start_daemon kube-controller-manager "$K8S_BIN/kube-controller-manager" --kubeconfig="$KUBECONFIG_PATH" \
  --authentication-kubeconfig="$KUBECONFIG_PATH" --authorization-kubeconfig="$KUBECONFIG_PATH" \
  --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --leader-elect=false \
  --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
  --use-service-account-credentials=true --service-cluster-ip-range="$SERVICE_CIDR" --profiling=false --v=1
start_daemon kube-scheduler "$K8S_BIN/kube-scheduler" --kubeconfig="$KUBECONFIG_PATH" \
  --authentication-kubeconfig="$KUBECONFIG_PATH" --authorization-kubeconfig="$KUBECONFIG_PATH" \
  --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --leader-elect=false --profiling=false --v=1

# --- 6. images imported, then kubelet and kube-proxy
wait "$images_pid" && images_pid= || { cat "$LOGS/images.log" >&2; die "building or importing the images failed"; }
sed 's/^ *[0-9.]*s  /  /' "$LOGS/images.log"
say "images built and imported into containerd (k8s.io)"
render kubelet.yaml "$RUN_DIR/kubelet.yaml"
start_daemon kubelet "$K8S_BIN/kubelet" --config="$RUN_DIR/kubelet.yaml" --kubeconfig="$RUN_DIR/kubelet.kubeconfig" \
  --root-dir="$RUN_DIR/kubelet" --cert-dir="$RUN_DIR/kubelet/pki" --hostname-override="$NODE_NAME" \
  --node-ip="$NODE_IP" --v=1
render kube-proxy.yaml "$RUN_DIR/kube-proxy.yaml"
start_daemon kube-proxy "$K8S_BIN/kube-proxy" --config="$RUN_DIR/kube-proxy.yaml" --v=1
wait_for 90 "node $NODE_NAME Ready" node_ready || { for c in kubelet kube-proxy; do check_alive $c; done; exit 1; }
say "node $NODE_NAME Ready"
for c in kube-controller-manager kube-scheduler; do check_alive $c; done
wait_for 30 "controller-manager and scheduler" kubectl_admin get serviceaccount default -n default \
  || { check_alive kube-controller-manager; exit 1; }
wait_for 30 "kube-proxy healthz" curl -sf "http://127.0.0.1:$PROXY_HEALTHZ_PORT/healthz" || { check_alive kube-proxy; exit 1; }
say "controller-manager, scheduler and kube-proxy running"

# --- 7. cluster DNS
render coredns.yaml "$RUN_DIR/coredns.yaml"
kubectl_admin apply -f "$RUN_DIR/coredns.yaml" >/dev/null
kubectl_admin -n kube-system rollout status deployment/coredns --timeout=90s >/dev/null \
  || { kubectl_admin -n kube-system get pods -o wide >&2; die "CoreDNS did not become ready"; }
say "CoreDNS ready (Service kube-dns $DNS_SERVICE_IP)"

# --- 8. done: kubectl wrapper, summary
printf '#!/bin/sh\nexec %q --kubeconfig %q "$@"\n' "$K8S_BIN/kubectl" "$KUBECONFIG_PATH" > "$RUN_DIR/kubectl"
chmod +x "$RUN_DIR/kubectl"
touch "$RUN_DIR/up.done"
rss() { local c kb=0; for c in "$@"; do kb=$(( kb + $(awk '/^VmRSS/ {print $2}' "/proc/$(cat "$(pid_file "$c")")/status") )); done
  echo "$(( kb / 1024 )) MiB"; }
say "cluster up. RSS: control plane (etcd, apiserver, controller-manager, scheduler) $(rss etcd kube-apiserver \
kube-controller-manager kube-scheduler); node (kubelet, kube-proxy, containerd) $(rss kubelet kube-proxy containerd)"
echo "cluster: KUBECONFIG=$KUBECONFIG_PATH"
echo "cluster: kubectl: $here/kubectl.sh (or $RUN_DIR/kubectl); tear down: npm run cluster:down"
