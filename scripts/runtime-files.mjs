// The kmirror runtime as it ships: one list read by every package that carries it — the npm package
// (package.json "files", checked by scripts/runtime-files.test.ts), the staging of dist/ at build time
// (scripts/build.d/92-runtime-dist.sh) and the VS Code extension (ide-clients/vscode/scripts/build-extension.mjs).
// Each part lies in dist/ where the code that needs it looks first: the bundles' own folder (layer
// launcher and preload library, reaper, peer-uid helper, the agent's native addon) and ebpf/ beside
// the agent bundle.
// The binaries are linux-x64; they need libbpf1, libelf1 and libprotobuf-c1 on the machine.
import { chmodSync, copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** [built file (repository path), name under dist/]. */
export const RUNTIME_FILES = [
  ['dist/kmirror.js', 'kmirror.js'],
  ['dist/kmirror-dap.js', 'kmirror-dap.js'],
  ['dist/kmirror-agent.js', 'kmirror-agent.js'],
  ['dist/kmirror-api.js', 'kmirror-api.js'],
  ['build/layer/kmirror-layer', 'kmirror-layer'],
  ['build/layer/kmirror-fastpath.so', 'kmirror-fastpath.so'],   // found beside kmirror-layer
  ['build/reaper/kmirror-reaper', 'kmirror-reaper'],             // found beside kmirror-dap.js
  ['build/peer-uid/kmirror-peer-uid', 'kmirror-peer-uid'],       // found beside kmirror-dap.js / kmirror.js
  ['build/native/kmirror_agent.node', 'kmirror_agent.node'],     // found beside kmirror-agent.js
  ['build/ebpf/steal.bpf.o', 'ebpf/steal.bpf.o'],
  ['build/ebpf/mirror.bpf.o', 'ebpf/mirror.bpf.o'],
  ['build/ebpf/trace.bpf.o', 'ebpf/trace.bpf.o'],
  ['build/schema/kmirror-launch.schema.json', 'kmirror-launch.schema.json'],
];

/**
 * Copies every runtime file from the build under `root` into `destDir` (keeping the mode bits).
 * Throws naming what is missing: a package never ships half a runtime.
 */
export function stageRuntime(root, destDir) {
  const missing = RUNTIME_FILES.map(([from]) => join(root, from)).filter((p) => !existsSync(p));
  if (missing.length) throw new Error(`kmirror runtime: build it first (bash scripts/build.sh); missing: ${missing.join(', ')}`);
  for (const [from, name] of RUNTIME_FILES) {
    const src = join(root, from);
    const dest = join(destDir, name);
    if (src === dest) continue;
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(src, dest);
    chmodSync(dest, statSync(src).mode & 0o777);
  }
}
