#!/usr/bin/env bash
# Completes dist/ as the shipped runtime (scripts/runtime-files.mjs: bundles, layer launcher and
# preload library, reaper, the agent's native addon, BPF objects, launch schema), which is what
# `npm pack` puts in the package (package.json "files") and what the VS Code extension carries.
set -euo pipefail
cd "$(dirname "$0")/../.."
node --input-type=module -e "import { stageRuntime } from './scripts/runtime-files.mjs'; stageRuntime(process.cwd(), process.cwd() + '/dist');"
