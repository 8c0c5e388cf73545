#!/usr/bin/env bash
# Tears the test cluster down (npm run cluster:down) and leaves nothing behind: processes (by recorded pid),
# pod containers and their shims, mounts, pod network namespaces, the bridge, iptables chains, CNI state,
# cgroups and the sysctls changed on the way up. Safe to run when nothing is up. Logs of the run are kept in
# ~/.cache/kmirror-cluster/last-logs.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/config.sh"
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || die "down.sh must run as root"
if [ -z "${KMIRROR_CLUSTER_LOCKED:-}" ]; then       # up.sh holds the lock already when it calls us
  mkdir -p "$CLUSTER_CACHE"
  exec 8> "$CLUSTER_CACHE/cluster.lock"
  flock -w 600 8 || die "another cluster:up/down has held $CLUSTER_CACHE/cluster.lock for 10 minutes"
fi

owner=$(cat "$HOST_OWNER_FILE" 2>/dev/null || true)
# the host resources are ours when we own them, or nobody does while our run dir exists (a crash before the record)
own_host=0
{ [ "$owner" = "$RUN_DIR" ] || { [ -z "$owner" ] && [ -d "$RUN_DIR" ]; }; } && own_host=1
if [ ! -d "$RUN_DIR" ] && [ $own_host = 0 ]; then
  echo "cluster: nothing to tear down (no run in $RUN_DIR)"
  exit 0
fi
[ $own_host = 0 ] && echo "cluster: host resources belong to the run in $owner; removing only $RUN_DIR"

# 1. the node agents first, so nothing restarts pods while they go
# a throw-away cluster needs no graceful drain: 2 s, then KILL
for c in kubelet kube-proxy kube-scheduler kube-controller-manager; do stop_daemon "$c" 2 & done; wait
say "kubelet, kube-proxy, scheduler, controller-manager stopped"

# 2. pod containers: kill through containerd when it answers, then the shims it started, then any leftover
#    process in the kubelet's cgroups
tasks=$RUN_DIR/containerd/state/io.containerd.runtime.v2.task/k8s.io
if [ -S "$CONTAINERD_SOCK" ] && timeout 5 ctr -a "$CONTAINERD_SOCK" version >/dev/null 2>&1; then
  for id in $(ctr_k8s tasks ls -q 2>/dev/null); do ctr_k8s tasks kill -s SIGKILL "$id" >/dev/null 2>&1; done
fi
stop_daemon containerd
bash "$here/host.sh" shims-kill
for d in "$tasks"/*/; do [ -d "$d" ] && rm -f /var/lib/cni/results/*-"$(basename "$d")"-*; done
for f in "$tasks"/*/address; do                 # shim sockets live outside our dir (/run/containerd/s/...)
  [ -f "$f" ] && sock=$(sed 's|^unix://||' "$f") && [[ $sock == /run/containerd/s/* ]] && rm -f "$sock"
done
[ $own_host = 1 ] && bash "$here/host.sh" cgroups-clean
say "pod containers, shims and containerd stopped"

# 3. control plane
stop_daemon kube-apiserver 2
stop_daemon etcd 5
say "kube-apiserver and etcd stopped"

# 4. network: pod netns, bridge, iptables chains, CNI result cache
if [ $own_host = 1 ]; then
  bash "$here/host.sh" netns-clean
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link del "$BRIDGE"
  bash "$here/host.sh" iptables-clean
  rm -f /var/lib/cni/results/kmirror-cluster-* 2>/dev/null
  say "netns, bridge $BRIDGE, iptables and CNI state removed"
fi
find /var/log/containers -maxdepth 1 -lname "$RUN_DIR/*" -delete 2>/dev/null

# 5. mounts under the run dir (overlay rootfs, volumes, shm), sysctls, then the files
if [ -d "$RUN_DIR" ]; then
  awk -v d="$RUN_DIR/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  [ $own_host = 1 ] && bash "$here/host.sh" restore | sed 's/^/  /'
  rm -rf "$CLUSTER_CACHE/last-logs" && cp -r "$LOGS" "$CLUSTER_CACHE/last-logs" 2>/dev/null
  if awk -v d="$RUN_DIR/" 'index($2, d) == 1 {found=1} END {exit !found}' /proc/mounts; then
    die "mounts are still present under $RUN_DIR; not removing it"
  fi
  rm -rf --one-file-system "$RUN_DIR"
fi
[ $own_host = 1 ] && rm -f "$HOST_OWNER_FILE"
if [ $own_host = 1 ]; then say "cluster down; $(bash "$here/host.sh" leftovers)"; else say "removed $RUN_DIR"; fi
