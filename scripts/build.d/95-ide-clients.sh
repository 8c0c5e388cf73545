#!/usr/bin/env bash
# Packages the editor integrations that have a build: the VS Code extension (.vsix with the
# bundled kmirror-dap, after 90-bundles) → dist/kmirror-vscode-<version>.vsix.
set -euo pipefail
cd "$(dirname "$0")/../.."
node ide-clients/vscode/scripts/build-extension.mjs >/dev/null
