// The built package entry: `import { debugSession } from 'kmirror'` resolves (package.json
// "exports" → dist/kmirror-api.js) and finds kmirror-dap beside it. Needs `node scripts/bundle.mjs`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe("package entry 'kmirror'", () => {
  it('exports debugSession from the bundle and defaults to the bundled kmirror-dap', () => {
    for (const f of ['dist/kmirror-api.js', 'dist/kmirror-dap.js']) {
      expect(existsSync(`${root}${f}`), `${f} missing: run node scripts/bundle.mjs`).toBe(true);
    }
    // A separate Node process, so resolution goes through package.json "exports" exactly as for users.
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
      const api = await import('kmirror');
      console.log(JSON.stringify({ keys: Object.keys(api).sort(), adapter: api.defaultAdapterSpec() }));
    `], { cwd: root, encoding: 'utf8' });
    const { keys, adapter } = JSON.parse(out) as { keys: string[]; adapter: { command: string; args: string[] } };
    expect(keys).toEqual(['DapClient', 'DapRequestError', 'debugSession', 'defaultAdapterSpec']);
    expect(adapter).toEqual({ command: process.execPath, args: [`${root}dist/kmirror-dap.js`] });
  });
});
