// esbuild bundles: one runnable file per entry point. Native .node files stay external and are
// found at run time beside the bundle (dist/) or in build/.
import { build } from 'esbuild';
import { existsSync, chmodSync } from 'node:fs';

const entries = [
  { in: 'adapter/cli/main.ts', out: 'dist/kmirror.js' },
  { in: 'adapter/dap/main.ts', out: 'dist/kmirror-dap.js' },
  { in: 'agent/src/main.ts', out: 'dist/kmirror-agent.js' },
  // library entry `import { debugSession } from 'kmirror'` (package.json "exports")
  { in: 'adapter/sdk/api/index.ts', out: 'dist/kmirror-api.js' },
].filter((e) => existsSync(e.in));

for (const entry of entries) {
  await build({
    entryPoints: [entry.in],
    outfile: entry.out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: 'linked',
    external: ['*.node'],
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __kmCreateRequire } from 'node:module'; const require = __kmCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  chmodSync(entry.out, 0o755);
}
