#!/usr/bin/env bash
# Headless debugging demo on a local target (root): a network namespace with a process in it is the
# target (pid/N, with GREETING=from-the-target in its environment). `kmirror-dap run` launches the
# small service in scripts/demo-debug/service.py on this machine with the target's network and env,
# stealing its port 8080; two requests sent to the namespace's address hit the breakpoint, and the
# request path, the User-Agent and the greeting (from the target's env) are printed at each hit.
# Everything it creates is removed on exit (also on failure or Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
[ "$(id -u)" = 0 ] || { echo "demo-debug: run as root (it creates a network namespace)" >&2; exit 1; }
[ -f dist/kmirror-dap.js ] || { echo "demo-debug: dist/kmirror-dap.js missing: run bash scripts/build.sh" >&2; exit 1; }

ns="kmdbg$$" host_if="kmdh$$" pod_if="kmdp$$" port=8080
# The service really listens on this machine too: take another port when 8080 is taken here.
if ss -Htln "sport = :$port" | grep -q .; then port=$(shuf -i 20000-29999 -n 1); fi
# A /30 no other namespace on this machine uses (tests create theirs in 10.213.0.0/16 too).
for octet in $(seq 253 -1 200); do
  ip -4 -o addr | grep -q "inet 10\.213\.$octet\." || break
done
host_ip=10.213.$octet.1 pod_ip=10.213.$octet.2
work=$(mktemp -d /tmp/kmirror-demo-debug.XXXXXX)
run_pid=""
cleanup() {
  [ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null || true
  for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
  ip link del "$host_if" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "demo-debug: target: a process in network namespace $ns ($pod_ip), with GREETING=from-the-target"
ip netns add "$ns"
ip -n "$ns" link set lo up
ip link add "$host_if" type veth peer name "$pod_if"
ip link set "$pod_if" netns "$ns"
ip addr add "$host_ip/30" dev "$host_if" && ip link set "$host_if" up
ip -n "$ns" addr add "$pod_ip/30" dev "$pod_if" && ip -n "$ns" link set "$pod_if" up
ip netns exec "$ns" env -i PATH="$PATH" GREETING=from-the-target sleep 600 &
target_pid=$!
disown "$target_pid"

echo "{\"feature\":{\"network\":{\"incoming\":{\"mode\":\"steal\",\"ports\":[$port]}}}}" > "$work/kmirror.json"
cmd=(node dist/kmirror-dap.js run --target "pid/$target_pid" --config "$work/kmirror.json"
     --break scripts/demo-debug/service.py:12 --when "'warmup' not in self.path" --print self.path --print "self.headers['User-Agent']" --print GREETING
     --timeout 60 -- python3 scripts/demo-debug/service.py)
echo "demo-debug: ${cmd[*]}"
PORT=$port "${cmd[@]}" > >(tee "$work/out") 2>&1 &
run_pid=$!

for _ in $(seq 1 300); do grep -q "service listening" "$work/out" 2>/dev/null && break; sleep 0.1; done
grep -q "service listening" "$work/out" || { echo "demo-debug: the service did not start" >&2; exit 1; }
# The steal is in place shortly after the service listens: a warm-up request (not a hit: --when)
# is retried while the connection is refused.
for _ in $(seq 1 100); do curl -s -o /dev/null "http://$pod_ip:$port/hello/warmup" -A demo-warmup && break; sleep 0.1; done
echo "demo-debug: curl http://$pod_ip:$port/hello/world  (sent to the target's address)"
curl -s -A "kmirror-demo/1.0" "http://$pod_ip:$port/hello/world"
curl -s -A "kmirror-demo/1.0" "http://$pod_ip:$port/quit" >/dev/null || true
wait "$run_pid" && code=0 || code=$?
run_pid=""
echo "demo-debug: kmirror-dap run exited with $code (the service's own exit code)"
[ "$code" = 3 ]
