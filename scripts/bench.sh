#!/usr/bin/env bash
# Runs every benchmark in bench/ (`npm run bench`): bench/*.mjs directly, bench/*.ts after an
# esbuild bundle into build/bench/. Benchmarks print figures and ratios against a baseline taken
# in the same run; they are not tests and assert nothing about speed.
# KMIRROR_BENCH_PROFILE=DIR: every bench process (the local proxy runs inside it) and every local
# agent it starts write V8 CPU profiles (.cpuprofile, open in Chrome DevTools) to DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/kmirror-agent.js ] || bash scripts/build.sh
mkdir -p build/bench
status=0
shopt -s nullglob
files=("$@")   # optional: only these bench files (e.g. bench/layer.ts)
if [ ${#files[@]} -eq 0 ]; then
  # The long campaigns (fuzzing at 10^6 inputs, soak, chaos: tens of minutes) run only when asked for by
  # name or with KMIRROR_BENCH_CAMPAIGNS=1, so a plain `npm run bench` gives the speed figures in one sitting.
  for f in bench/*.ts bench/*.mjs; do
    case "$(basename "$f")" in fuzz-*|soak.*|chaos.*) [ "${KMIRROR_BENCH_CAMPAIGNS:-0}" = 1 ] || continue ;; esac
    files+=("$f")
  done
fi
for f in "${files[@]}"; do
  # The load average before each bench: the machine is shared, so a reader can judge the figures.
  echo "=== bench: $f (load average: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%H:%M:%S) UTC)"
  if [[ $f == *.ts ]]; then
    out=build/bench/$(basename "$f" .ts).mjs
    node_modules/.bin/esbuild "$f" --bundle --platform=node --format=esm --target=node20 --log-level=warning \
      --external:'*.node' --outfile="$out" \
      --banner:js="import { createRequire as __kmCreateRequire } from 'node:module'; const require = __kmCreateRequire(import.meta.url);"
    node ${KMIRROR_BENCH_PROFILE:+--cpu-prof --cpu-prof-dir="$KMIRROR_BENCH_PROFILE"} "$out" || status=1
  else
    node "$f" || status=1
  fi
done
exit $status
