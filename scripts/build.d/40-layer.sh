#!/usr/bin/env bash
# Builds the layer (layer/src, C): protoc-c code for proto/kmirror/layer/v1/layer.proto into
# build/layer/gen, then the launcher+supervisor binary build/layer/kmirror-layer, also shipped
# as dist/kmirror-layer beside the bundles (found there by adapter/src/session/layer-binary.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/layer
mkdir -p "$out/gen"
proto=proto/kmirror/layer/v1/layer.proto
if [ ! -f "$out/gen/kmirror/layer/v1/layer.pb-c.c" ] || [ "$proto" -nt "$out/gen/kmirror/layer/v1/layer.pb-c.c" ]; then
  protoc-c --c_out="$out/gen" -Iproto "$proto"
fi
srcs=(layer/src/*.c layer/src/ops/*.c "$out/gen/kmirror/layer/v1/layer.pb-c.c")
# Up to date when the binary is newer than every source, header and this script.
if [ -f "$out/kmirror-layer" ] && [ -z "$(find layer/src "$out/gen" "$0" -newer "$out/kmirror-layer" -type f | head -1)" ]; then
  mkdir -p dist && cp -p "$out/kmirror-layer" dist/kmirror-layer
  exit 0
fi
gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
  -I"$out/gen/kmirror/layer/v1" -I"$out/gen" -Ilayer/src \
  -o "$out/kmirror-layer.tmp" "${srcs[@]}" -lprotobuf-c
mv "$out/kmirror-layer.tmp" "$out/kmirror-layer"
mkdir -p dist && cp -p "$out/kmirror-layer" dist/kmirror-layer
