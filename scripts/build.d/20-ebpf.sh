#!/usr/bin/env bash
# Compiles the BPF programs in ebpf/<name>/<name>.bpf.c (CO-RE) into build/ebpf/<name>.bpf.o.
# build/vmlinux.h is generated from the running kernel's BTF (never committed).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/ebpf
if [ ! -s build/vmlinux.h ]; then
  [ -r /sys/kernel/btf/vmlinux ] || { echo "20-ebpf: /sys/kernel/btf/vmlinux missing (kernel without BTF)" >&2; exit 1; }
  bpftool btf dump file /sys/kernel/btf/vmlinux format c > build/vmlinux.h.tmp
  mv build/vmlinux.h.tmp build/vmlinux.h
fi
for src in ebpf/*/*.bpf.c; do
  name=$(basename "$src" .bpf.c)
  out=build/ebpf/$name.bpf.o
  dir=$(dirname "$src")
  # rebuild when the source, its wire header or the shared header changed
  if [ ! -f "$out" ] || [ -n "$(find "$dir" ebpf/include -newer "$out" -name '*.[ch]' | head -1)" ]; then
    clang -target bpf -O2 -g -D__TARGET_ARCH_x86 -Wall -Werror -Ibuild -Iebpf/include -c "$src" -o "$out"
  fi
done
