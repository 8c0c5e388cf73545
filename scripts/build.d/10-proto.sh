#!/usr/bin/env bash
# Generates static protobufjs code (and typings) from proto/**/*.proto into proto/gen/, then the
# tunnel's domain types and codec (proto/codegen/generate-tunnel.mjs).
# The generated files are build output: never edited, never committed.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p proto/gen
bin=node_modules/.bin
for proto in proto/kmirror/*/v1/*.proto; do
  name=$(basename "$proto" .proto)
  out=proto/gen/$name.js
  if [ ! -f "$out" ] || [ "$proto" -nt "$out" ]; then
    "$bin/pbjs" -t static-module -w es6 -r "$name" --no-verify --force-number -o "$out.tmp" "$proto"   # own root per file: two default roots overwrite each other in one bundle
    # Node's ESM resolver needs the file extension on the protobufjs subpath import.
    sed -e 's#from "protobufjs/minimal"#from "protobufjs/minimal.js"#' "$out.tmp" > "$out" && rm "$out.tmp"
    "$bin/pbts" -o "proto/gen/$name.d.ts" "$out"
    "$bin/pbjs" -t json -o "proto/gen/$name.json" "$proto"
  fi
done
# The tunnel's domain types and codec, generated from tunnel.proto over protobufjs reflection.
domain=(proto/gen/tunnel-messages.ts proto/gen/tunnel-codec.ts)
for out in "${domain[@]}"; do
  if [ ! -f "$out" ] || [ -n "$(find proto/kmirror/tunnel/v1/tunnel.proto proto/codegen -newer "$out" -name '*.proto' -o -newer "$out" -name '*.mjs' | head -1)" ]; then
    node proto/codegen/generate-tunnel.mjs
    break
  fi
done
