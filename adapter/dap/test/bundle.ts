// Builds kmirror-dap's stdio entry (adapter/dap/main.ts) into a temp file with esbuild, the
// same way scripts/bundle.mjs does, so stdio clients test the current source.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll } from 'vitest';

export async function bundleKmirrorDap(): Promise<string> {
  const out = join(mkdtempSync(join(tmpdir(), 'kmirror-dap-bundle-')), 'kmirror-dap.js');
  await build({
    entryPoints: [fileURLToPath(new URL('../main.ts', import.meta.url))],
    outfile: out, bundle: true, platform: 'node', target: 'node20', format: 'esm', external: ['*.node'], logLevel: 'silent',
    banner: { js: "import { createRequire as __kmCreateRequire } from 'node:module'; const require = __kmCreateRequire(import.meta.url);" },
  });
  return out;
}

/** For one test file: the bundle built in beforeAll and its temp dir removed in afterAll; call the result inside tests. */
export function kmirrorDapBundleForFile(): () => string {
  let bundle: string | undefined;
  beforeAll(async () => {
    bundle = await bundleKmirrorDap();
  });
  afterAll(() => {
    if (bundle) rmSync(dirname(bundle), { recursive: true, force: true });
  });
  return () => {
    if (!bundle) throw new Error('kmirror-dap is not bundled: call this inside a test, after beforeAll');
    return bundle;
  };
}
