#!/usr/bin/env bash
# Generates the JSON Schema of the kmirror launch/attach configuration (type KmirrorLaunchConfig,
# adapter/dap/server/launch-config.ts, extending the backends' BackendLaunchConfig in
# adapter/dap/backends/contract.ts; the `debugger` enum is the registry's DebuggerKind,
# adapter/dap/backends/registry.ts; the `kmirror` field is the config file's KmirrorConfig; the `trace`
# enum is proto/runtime/trace-gadgets.ts) into
# build/schema/kmirror-launch.schema.json. Editor copies are derived from it (ide-clients/scripts/sync-schema.mjs).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/schema
out=build/schema/kmirror-launch.schema.json
if [ ! -f "$out" ] || [ -n "$(find adapter/dap/server/launch-config.ts adapter/dap/server/kmirror-config-ref.ts adapter/dap/backends/contract.ts \
  adapter/dap/backends/registry.ts adapter/runtime/config/types.ts proto/runtime/trace-gadgets.ts -newer "$out" 2>/dev/null)" ]; then
  node_modules/.bin/ts-json-schema-generator --path adapter/dap/server/launch-config.ts --type KmirrorLaunchConfig \
    --tsconfig tsconfig.json --no-type-check --additional-properties true --out "$out.tmp"
  mv "$out.tmp" "$out"
fi
