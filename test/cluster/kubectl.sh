#!/usr/bin/env bash
# kubectl of the test cluster's version, bound to its admin kubeconfig: test/cluster/kubectl.sh get pods -A
here=$(cd "$(dirname "$0")" && pwd)
. "$here/config.sh"
[ -f "$KUBECONFIG_PATH" ] || { echo "cluster: not up ($KUBECONFIG_PATH missing): npm run cluster:up" >&2; exit 1; }
exec "$K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_PATH" "$@"
