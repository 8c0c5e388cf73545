#!/usr/bin/env bash
# Packages the editor integrations that have a build: the VS Code extension (.vsix carrying the
# runtime listed in scripts/runtime-files.mjs — the npm package's files — after 90-bundles and
# 92-runtime-dist) → dist/kmirror-vscode-<version>.vsix.
set -euo pipefail
cd "$(dirname "$0")/../.."
node ide-clients/vscode/scripts/build-extension.mjs >/dev/null
