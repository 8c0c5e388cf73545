#!/usr/bin/env bash
# Regenerates the VS Code screenshots in docs/images/ by running the real-VS-Code integration test with
# KMIRROR_SCREENSHOTS_DIR set: the stopped editor for Python and Go, and the progress notification when
# VS Code shows it (only when the agent takes longer than VS Code's 500 ms notification delay).
# Needs root, a build (bash scripts/build.sh) and scripts/install-editors.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
KMIRROR_SCREENSHOTS_DIR="$PWD/docs/images" flock /tmp/kmirror-int.lock \
  npx vitest run --project integration ide-clients/test/vscode-real.int.test.ts
# The cluster case (the test cluster must be up: npm run cluster:up) saves vscode-progress.png when the toast shows.
KMIRROR_SCREENSHOTS_DIR="$PWD/docs/images" flock /tmp/kmirror-int.lock \
  npx vitest run --project e2e test/e2e/vscode-real.e2e.test.ts
ls -l docs/images/vscode-*.png
