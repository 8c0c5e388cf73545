#!/usr/bin/env bash
# Builds the agent's native addon offline (Node-API mode: package.json "binary.napi_versions")
# into build/native/kmirror_agent.node.
set -euo pipefail
cd "$(dirname "$0")/../.."
node_modules/.bin/cmake-js compile --directory agent/native --out build/native-cmake -l warn >/dev/null
mkdir -p build/native
cp build/native-cmake/Release/kmirror_agent.node build/native/kmirror_agent.node
