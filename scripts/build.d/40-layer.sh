#!/usr/bin/env bash
# Builds the layer (layer/src, C): protoc-c code for proto/kmirror/layer/v1/layer.proto into
# build/layer/gen, then the launcher+supervisor binary build/layer/kmirror-layer and the preload
# fast path build/layer/kmirror-fastpath.so (layer/src/preload), both also shipped in dist/
# beside the bundles (found there by adapter/runtime/session/layer-binary.ts; the .so beside the binary).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/layer
mkdir -p "$out/gen" dist
proto=proto/kmirror/layer/v1/layer.proto
if [ ! -f "$out/gen/kmirror/layer/v1/layer.pb-c.c" ] || [ "$proto" -nt "$out/gen/kmirror/layer/v1/layer.pb-c.c" ]; then
  protoc-c --c_out="$out/gen" -Iproto "$proto"
fi
srcs=(layer/src/*.c layer/src/ops/*.c "$out/gen/kmirror/layer/v1/layer.pb-c.c")
# Up to date when the output is newer than every source, header and this script.
stale() { [ ! -f "$1" ] || [ -n "$(find "${@:2}" "$0" -newer "$1" -type f | head -1)" ]; }
if stale "$out/kmirror-layer" layer/src "$out/gen"; then
  gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
    -I"$out/gen/kmirror/layer/v1" -I"$out/gen" -Ilayer/src \
    -o "$out/kmirror-layer.tmp" "${srcs[@]}" -Wl,-Bstatic -lprotobuf-c -Wl,-Bdynamic   # static: an installed package needs no libprotobuf-c1
  mv "$out/kmirror-layer.tmp" "$out/kmirror-layer"
fi
if stale "$out/kmirror-fastpath.so" layer/src/preload layer/src/fastpath.h; then
  gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -fPIC -shared -fvisibility=hidden \
    -o "$out/kmirror-fastpath.so.tmp" layer/src/preload/*.c -ldl
  mv "$out/kmirror-fastpath.so.tmp" "$out/kmirror-fastpath.so"
fi
cp -p "$out/kmirror-layer" dist/kmirror-layer
cp -p "$out/kmirror-fastpath.so" dist/kmirror-fastpath.so
