#!/usr/bin/env bash
# Builds the agent's native addon offline (Node-API mode: package.json "binary.napi_versions")
# into build/native/kmirror_agent.node.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Quiet on success; on failure the compiler's own messages (cmake-js alone says only
# "ERROR OMG Process terminated: 1").
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! node_modules/.bin/cmake-js compile --directory agent/native --out build/native-cmake -l warn >"$log" 2>&1; then
  cat "$log" >&2
  echo "30-addon: cmake-js compile of agent/native failed (output above)" >&2
  exit 1
fi
mkdir -p build/native
cp build/native-cmake/Release/kmirror_agent.node build/native/kmirror_agent.node
