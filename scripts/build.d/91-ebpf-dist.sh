#!/usr/bin/env bash
# Ships the compiled BPF programs beside the agent bundle (dist/ebpf/*.bpf.o), where
# agent/src/incoming/bpf-addon.ts looks for them first (KMIRROR_BPF_DIR overrides).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p dist/ebpf
cp build/ebpf/*.bpf.o dist/ebpf/
