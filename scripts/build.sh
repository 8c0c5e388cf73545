#!/usr/bin/env bash
# Builds everything: each step is a script in scripts/build.d/, run in name order
# (proto codegen, BPF objects, native addon, layer, bundles, schemas...). Outputs go to build/ and dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
for step in scripts/build.d/*.sh; do
  t0=$(date +%s%N)
  bash "$step"
  echo "build: $(basename "$step" .sh) $(( ($(date +%s%N) - t0) / 1000000 )) ms"
done
