#!/usr/bin/env bash
# Builds the libFuzzer target of the supervisor's proxy-message decoding (layer/fuzz/README.md):
# build/layer-fuzz/proxy-messages-fuzz, clang with -fsanitize=fuzzer,address,undefined over the
# same layer sources the supervisor uses (no seccomp loop). Needs libclang-rt-14-dev
# (scripts/install-deps.sh). Up to date when newer than every source.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/layer-fuzz
gen=build/layer/gen
mkdir -p "$out" "$gen"
proto=proto/kmirror/layer/v1/layer.proto
if [ ! -f "$gen/kmirror/layer/v1/layer.pb-c.c" ] || [ "$proto" -nt "$gen/kmirror/layer/v1/layer.pb-c.c" ]; then
  protoc-c --c_out="$gen" -Iproto "$proto"
fi
srcs=(layer/fuzz/proxy_messages_fuzz.c layer/src/proxy_frames.c layer/src/proxy_answer.c layer/src/policy.c
  layer/src/log.c layer/src/target_mem.c layer/src/remote_dirs.c "$gen/kmirror/layer/v1/layer.pb-c.c")
bin=$out/proxy-messages-fuzz
if [ ! -f "$bin" ] || [ -n "$(find layer/src layer/fuzz "$gen" -newer "$bin" -type f | head -1)" ]; then
  clang -std=gnu11 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -Wall -Wno-unused-parameter -Wno-missing-field-initializers \
    -I"$gen/kmirror/layer/v1" -I"$gen" -Ilayer/src -o "$bin.tmp" "${srcs[@]}" -l:libprotobuf-c.a
  mv "$bin.tmp" "$bin"
fi
echo "$bin"
