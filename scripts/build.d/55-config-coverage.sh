#!/usr/bin/env bash
# Generates build/config-keys.json (every key path the config loader accepts, from CONFIG_SHAPE in
# adapter/runtime/config/validate.ts) and docs/config-coverage.md (which integration/e2e test runs
# each key, from the tests' `// config-keys:` marker lines; test/config-coverage/coverage.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build
node_modules/.bin/esbuild test/config-coverage/write-coverage.ts --bundle --platform=node --format=esm \
  --outfile=build/config-coverage.mjs --log-level=warning
node build/config-coverage.mjs
