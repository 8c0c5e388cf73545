#!/usr/bin/env bash
# Builds kmirror-peer-uid (adapter/runtime/process/kmirror-peer-uid.c): the uid owning the other end
# of a loopback TCP connection, by an exact sock_diag lookup. build/peer-uid/kmirror-peer-uid, also
# shipped in dist/ beside the bundles (found there by adapter/runtime/process/peer-uid-client.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/peer-uid
src=adapter/runtime/process/kmirror-peer-uid.c
mkdir -p "$out" dist
if [ ! -f "$out/kmirror-peer-uid" ] || [ -n "$(find "$src" "$0" -newer "$out/kmirror-peer-uid" | head -1)" ]; then
  gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -o "$out/kmirror-peer-uid.tmp" "$src"
  mv "$out/kmirror-peer-uid.tmp" "$out/kmirror-peer-uid"
fi
cp -p "$out/kmirror-peer-uid" dist/kmirror-peer-uid
