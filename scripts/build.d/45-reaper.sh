#!/usr/bin/env bash
# Builds kmirror-reaper (adapter/runtime/process/kmirror-reaper.c): ends what kmirror-dap and
# kmirror started when they are killed. build/reaper/kmirror-reaper, also shipped in dist/ beside
# the bundles (found there by adapter/runtime/process/reaper-client.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/reaper
src=adapter/runtime/process/kmirror-reaper.c
mkdir -p "$out" dist
if [ ! -f "$out/kmirror-reaper" ] || [ -n "$(find "$src" "$0" -newer "$out/kmirror-reaper" | head -1)" ]; then
  gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -o "$out/kmirror-reaper.tmp" "$src"
  mv "$out/kmirror-reaper.tmp" "$out/kmirror-reaper"
fi
cp -p "$out/kmirror-reaper" dist/kmirror-reaper
