#!/usr/bin/env bash
# Generates static protobufjs code (and typings) from proto/**/*.proto into proto/gen/.
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
