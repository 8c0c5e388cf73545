# Helpers shared by up.sh, down.sh and the image builder: timed steps, bounded waits, pid-file daemons.
# Sourced after config.sh.

T0=$(date +%s.%N)
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%6.1fs", b - a }'; }
say() { echo "$(elapsed)  $*"; }
die() { echo "cluster: $*" >&2; exit 1; }

# wait_for SECONDS WHAT CMD...: retries CMD until it succeeds; fails with a message after SECONDS.
wait_for() {
  local limit=$1 what=$2; shift 2
  local end=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || { echo "cluster: timed out after ${limit}s waiting for $what" >&2; return 1; }
    sleep 0.2
  done
}

pid_file() { echo "$RUN_DIR/pids/$1.pid"; }
# the recorded pid is alive AND still runs NAME (a stale pid file must never make us signal a reused pid)
is_running() {
  local f pid argv0; f=$(pid_file "$1"); [ -f "$f" ] || return 1
  pid=$(cat "$f"); argv0=$(tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | head -1)
  [ "$(basename "${argv0:-none}")" = "$1" ]
}

# start_daemon NAME CMD...: runs CMD in the background, output to $LOGS/NAME.log, pid in $RUN_DIR/pids/NAME.pid.
start_daemon() {
  local name=$1; shift
  mkdir -p "$RUN_DIR/pids" "$LOGS"
  # fds 7-9 hold the scripts' flock locks: a daemon must not inherit them (it would hold the lock for its lifetime)
  setsid "$@" > "$LOGS/$name.log" 2>&1 < /dev/null 7>&- 8>&- 9>&- &
  echo $! > "$(pid_file "$name")"
}

# stop_daemon NAME [GRACE_SECONDS]: TERM, then KILL after the grace period (default 10 s); only the pid we recorded.
stop_daemon() {
  local name=$1 grace=${2:-10} f pid i
  f=$(pid_file "$name"); [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if is_running "$name"; then
    kill "$pid" 2>/dev/null
    for i in $(seq $(( grace * 10 ))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$f"
}

# a daemon that died during start-up: show the end of its log
check_alive() { is_running "$1" || { tail -25 "$LOGS/$1.log" >&2; die "$1 exited during start-up (log: $LOGS/$1.log)"; }; }

kubectl_admin() { "$K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_PATH" "$@"; }
ctr_k8s() { ctr -a "$CONTAINERD_SOCK" -n k8s.io "$@"; }
