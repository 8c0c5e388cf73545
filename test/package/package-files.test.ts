// The npm package ships exactly the runtime (scripts/runtime-files.mjs, also the VS Code
// extension's) plus the agent's Dockerfile for `kmirror image build`; its commands point into it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  private?: boolean; files: string[]; bin: Record<string, string>; exports: Record<string, { import: string }>;
};
// Safe: the module's one export is this list (scripts/runtime-files.mjs).
const { RUNTIME_FILES } = (await import(new URL('scripts/runtime-files.mjs', root).href)) as { RUNTIME_FILES: [string, string][] };

describe('package.json', () => {
  it('is publishable', () => {
    expect(pkg.private).toBeUndefined();
  });

  it('"files" lists the shipped runtime under dist/ and the agent Dockerfile, nothing else', () => {
    expect(pkg.files).toEqual([...RUNTIME_FILES.map(([, name]) => `dist/${name}`), 'agent/Dockerfile']);
  });

  it('commands and the library entry are shipped files', () => {
    for (const path of [...Object.values(pkg.bin), pkg.exports['.']?.import ?? '']) {
      expect(pkg.files).toContain(path.replace(/^\.\//, ''));
    }
    expect(Object.keys(pkg.bin).sort()).toEqual(['kmirror', 'kmirror-dap']);
  });
});
