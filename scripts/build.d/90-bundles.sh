#!/usr/bin/env bash
# Bundles each entry point into one runnable file under dist/ (esbuild; type-checking is `npm run typecheck`).
set -euo pipefail
cd "$(dirname "$0")/../.."
node scripts/bundle.mjs
