#!/usr/bin/env bash
# Host-side state of the test cluster that outlives its processes, set up by up.sh and undone by down.sh.
#   save             record the sysctls that we, kubelet (kernel tunables) or kube-proxy change
#   restore          put them back (ip_forward stays on while veths that are not ours exist)
#   cgroups          create the kubelet cgroup root in every cgroup v1 hierarchy
#   cgroups-clean    kill what is left in it and remove it
#   iptables-clean   remove kube-proxy's KUBE-* and the CNI portmap chains, and the rules that jump to them
#   netns-clean      remove the pod network namespaces whose interface has an address in the pod range
#   shims-kill       kill the containerd shims started by our containerd
#   leftovers        count what a teardown must not leave behind
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/config.sh"

SYSCTLS="net.ipv4.ip_forward vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.bridge.bridge-nf-call-iptables
  net.bridge.bridge-nf-call-ip6tables net.ipv4.conf.all.route_localnet"
saved=$RUN_DIR/sysctl.orig

save() {
  [ -f "$saved" ] && return 0           # a crashed run's file holds the original values: keep it
  local k; for k in $SYSCTLS; do
    if [ -e "/proc/sys/${k//.//}" ]; then echo "$k=$(sysctl -n "$k")"; fi; done > "$saved.tmp"
  mv "$saved.tmp" "$saved"
}

restore() {
  [ -f "$saved" ] || return 0
  local line k v foreign
  while IFS= read -r line; do
    k=${line%%=*} v=${line#*=}
    [ "$(sysctl -n "$k")" = "$v" ] && continue
    if [ "$k" = net.ipv4.ip_forward ]; then
      foreign=$(ip -o link show type veth | grep -vc "master $BRIDGE" || true)
      if [ "$foreign" -gt 0 ]; then echo "ip_forward left on: $foreign veth(s) of others present"; continue; fi
    fi
    sysctl -qw "$k=$v" && echo "restored $k=$v"
  done < "$saved"
  rm -f "$saved"
}

v1_hierarchies() { awk '$3 == "cgroup" {print $2}' /proc/mounts; }
all_hierarchies() { awk '$3 == "cgroup" || $3 == "cgroup2" {print $2}' /proc/mounts; }   # kubelet also writes to cgroup2

cgroups() {
  local h
  for h in $(v1_hierarchies); do
    mkdir -p "$h/$CGROUP_ROOT"
    if [ -f "$h/cpuset.cpus" ]; then       # a new cpuset is empty: inherit the parent's cpus and mems
      cat "$h/cpuset.cpus" > "$h/$CGROUP_ROOT/cpuset.cpus"
      cat "$h/cpuset.mems" > "$h/$CGROUP_ROOT/cpuset.mems"
    fi
  done
}

cgroups_clean() {
  local h procs pid i
  for h in $(all_hierarchies); do
    [ -d "$h/$CGROUP_ROOT" ] || continue
    for i in 1 2 3; do
      procs=$(find "$h/$CGROUP_ROOT" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
      [ -z "$procs" ] && break
      for pid in $procs; do kill -9 "$pid" 2>/dev/null || true; done
      sleep 0.3
    done
    find "$h/$CGROUP_ROOT" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [ -d "$h/$CGROUP_ROOT" ] && echo "cgroup $h/$CGROUP_ROOT could not be removed"
  done
  return 0
}

# our chains: kube-proxy's KUBE-*, the portmap plugin's CNI-HOSTPORT-* and CNI-DN-*
iptables_clean() {
  local cmd table rule chain
  for cmd in iptables ip6tables; do
    command -v $cmd >/dev/null || continue
    for table in filter nat mangle raw; do
      $cmd -t $table -S >/dev/null 2>&1 || continue
      $cmd -t $table -S | grep -E '^-A .* -j (KUBE-|CNI-HOSTPORT-|CNI-DN-)' | grep -vE '^-A (KUBE-|CNI-HOSTPORT-|CNI-DN-)' \
        | while IFS= read -r rule; do eval "$cmd -t $table -D ${rule#-A }" 2>/dev/null || true; done || true
      for chain in $($cmd -t $table -S | awk '$1 == "-N" && $2 ~ /^(KUBE-|CNI-HOSTPORT-|CNI-DN-)/ {print $2}'); do
        $cmd -t $table -F "$chain" 2>/dev/null || true
      done
      for chain in $($cmd -t $table -S | awk '$1 == "-N" && $2 ~ /^(KUBE-|CNI-HOSTPORT-|CNI-DN-)/ {print $2}'); do
        $cmd -t $table -X "$chain" 2>/dev/null || true
      done
    done
  done
}

netns_clean() {
  local ns prefix=${POD_CIDR%.*}.
  for ns in $(ip netns list | awk '{print $1}'); do
    case $ns in cni-*) ;; *) continue ;; esac
    if ip netns exec "$ns" ip -4 -o addr show 2>/dev/null | grep -q " inet ${prefix//./\\.}"; then
      ip netns del "$ns" && echo "removed netns $ns"
    fi
  done
}

# containerd 1.6 records no shim pid: our shims are the ones started with our socket as their -address
our_shims() {
  local p argv
  for p in /proc/[0-9]*; do
    argv=$(tr '\0' ' ' 2>/dev/null < "$p/cmdline") || continue
    case "$argv " in *containerd-shim-runc-v2\ *"-address $CONTAINERD_SOCK "*) echo "${p#/proc/}" ;; esac
  done
}
shims_kill() { local pid; for pid in $(our_shims); do kill -9 "$pid" 2>/dev/null || true; done; }

# what a teardown must not leave: printed by down.sh
leftovers() {
  local prefix=${POD_CIDR%.*}. ns count=0 shims chains cgroups
  for ns in $(ip netns list | awk '$1 ~ /^cni-/ {print $1}'); do
    if ip netns exec "$ns" ip -4 -o addr show 2>/dev/null | grep -q " inet ${prefix//./\\.}"; then count=$((count + 1)); fi
  done
  shims=$(our_shims | wc -l)
  chains=$( { iptables-save; ip6tables-save; } 2>/dev/null | grep -cE '^:(KUBE-|CNI-HOSTPORT-|CNI-DN-)' || true)
  cgroups=$(find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -name "$CGROUP_ROOT" 2>/dev/null | wc -l)
  echo "left: pod netns $count, shims $shims, iptables chains $chains, cgroups $cgroups," \
    "bridge $(ip link show "$BRIDGE" >/dev/null 2>&1 && echo present || echo gone)," \
    "mounts $(awk -v d="$RUN_DIR/" 'index($2, d) == 1' /proc/mounts | wc -l)"
}

case "${1:-}" in
  save) save ;;
  restore) restore ;;
  cgroups) cgroups ;;
  cgroups-clean) cgroups_clean ;;
  iptables-clean) iptables_clean ;;
  netns-clean) netns_clean ;;
  leftovers) leftovers ;;
  shims-kill) shims_kill ;;
  *) echo "usage: host.sh save|restore|cgroups|cgroups-clean|iptables-clean|netns-clean|shims-kill|leftovers" >&2; exit 2 ;;
esac
