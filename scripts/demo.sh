#!/usr/bin/env bash
# The embedded local demo (`npm run demo`, root): creates a throw-away target — a network namespace
# with its own HTTP service and DNS server, and a process in its own mount namespace with its own
# /etc/resolv.conf, /etc/hosts, a file only it can see and an env var only it has — then runs the
# kmirror agent against it and shows a request, a DNS answer, a file and env coming from inside.
# Everything it creates is removed on exit (also on failure or Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates network and mount namespaces)" >&2; exit 1; }
setup_log=$(mktemp /tmp/kmirror-demo-setup.XXXXXX)
if [ -z "${KMIRROR_DEMO_SKIP_SETUP:-}" ]; then
  echo "demo: installing dependencies and building (idempotent; fast when already done)"
  for step in scripts/install-deps.sh scripts/build.sh; do
    bash "$step" >"$setup_log" 2>&1 || { tail -40 "$setup_log" >&2; echo "demo: $step failed (output above)" >&2; rm -f "$setup_log"; exit 1; }
  done
fi
rm -f "$setup_log"

ns="kmdemo$$"
work=$(mktemp -d /tmp/kmirror-demo.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if ip netns list | grep -qw "$ns"; then
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_ready() { # file, what
  for _ in $(seq 1 100); do grep -q '"ready"' "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "demo: $2 did not start:" >&2; cat "$1" >&2; exit 1
}

svc_ip=10.213.254.10 dns_ip=10.213.254.53
echo "demo: creating network namespace $ns with a service at $svc_ip:8080 and a DNS server at $dns_ip"
ip netns add "$ns"
ip -n "$ns" link set lo up
# The namespace's own addresses live on its loopback: reachable only from inside it.
ip -n "$ns" addr add "$svc_ip/32" dev lo
ip -n "$ns" addr add "$dns_ip/32" dev lo

ip netns exec "$ns" node scripts/demo/dns-server.mjs --listen "$dns_ip:53" --record "catalog.demo.internal=$svc_ip" >"$work/dns.log" 2>&1 &
pids+=($!)
ip netns exec "$ns" node scripts/demo/http-server.mjs --listen "$svc_ip:8080" --name catalog >"$work/http.log" 2>&1 &
pids+=($!)
wait_ready "$work/dns.log" "the DNS server"
wait_ready "$work/http.log" "the HTTP service"

# The target process: its own mount namespace with its own resolv.conf and hosts, and a tmpfs
# on /mnt holding a file that exists nowhere else.
printf 'nameserver %s\nsearch demo.internal\noptions ndots:1\n' "$dns_ip" >"$work/resolv.conf"
printf '127.0.0.1 localhost\n%s catalog-by-hosts\n' "$svc_ip" >"$work/hosts"
ip netns exec "$ns" unshare -m --propagation private sh -c '
  mount --bind "$1/resolv.conf" /etc/resolv.conf
  mount --bind "$1/hosts" /etc/hosts
  mount -t tmpfs kmirror-demo /mnt
  echo "this file exists only inside the demo target (tmpfs in its own mount namespace)" > /mnt/only-in-target.txt
  echo $$ > "$1/target.pid"
  exec env -i PATH=/usr/bin:/bin DEMO_GREETING="hello from the target process environment" sleep infinity
' sh "$work" &
pids+=($!)
for _ in $(seq 1 50); do [ -s "$work/target.pid" ] && break; sleep 0.1; done
target_pid=$(cat "$work/target.pid")
echo "demo: target process pid/$target_pid (netns $ns, own mount namespace, env DEMO_GREETING)"

echo
echo "demo: from the host, none of this is visible:"
echo "  getent hosts catalog.demo.internal -> $(getent hosts catalog.demo.internal || echo 'not found')"
echo "  cat /mnt/only-in-target.txt        -> $(cat /mnt/only-in-target.txt 2>&1 || true)"
echo "  DEMO_GREETING                       -> ${DEMO_GREETING:-not set}"
echo
echo "demo: through kmirror (agent started for pid/$target_pid):"
echo "+ kmirror probe --target pid/$target_pid --env DEMO_GREETING --resolve catalog --resolve catalog-by-hosts --file /mnt/only-in-target.txt --file /etc/resolv.conf http://catalog:8080/hello"
node dist/kmirror.js probe --target "pid/$target_pid" --env DEMO_GREETING \
  --resolve catalog --resolve catalog-by-hosts \
  --file /mnt/only-in-target.txt --file /etc/resolv.conf \
  http://catalog:8080/hello
status=$?
echo
echo "demo: done; removing namespace $ns and its processes"
exit $status
