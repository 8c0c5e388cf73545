#!/usr/bin/env bash
# Regenerates the VS Code screenshots in docs/images/ by running the real-VS-Code tests with
# KMIRROR_SCREENSHOTS_DIR set: the stopped editor for Python and Go (integration tier, pid/N target),
# and the extension's notification ending "connected to deploy/web" (e2e tier, the test cluster).
# Needs root, a build (bash scripts/build.sh), scripts/install-editors.sh and the test cluster
# (npm run cluster:up).
set -euo pipefail
cd "$(dirname "$0")/.."
KMIRROR_SCREENSHOTS_DIR="$PWD/docs/images" flock /tmp/kmirror-int.lock \
  npx vitest run --project integration ide-clients/test/vscode-real.int.test.ts
KMIRROR_SCREENSHOTS_DIR="$PWD/docs/images" flock /tmp/kmirror-int.lock \
  bash -c 'bash test/cluster/images/build.sh agent && npx vitest run --project e2e test/e2e/vscode-real.e2e.test.ts'
ls -l docs/images/vscode-*.png
