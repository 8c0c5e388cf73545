// Every key the config loader accepts is run end to end by at least one integration or e2e test,
// which says so with a marker line `// config-keys: KEY, KEY` (test/config-coverage/coverage.ts).
// A new key without such a test fails here, and so does a marker naming a key that does not exist.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { coverage, readMarkers, renderTable } from '#test/config-coverage/coverage.js';
import { configKeyPaths, configPaths } from './config-keys.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const keys = configKeyPaths();
const result = coverage(keys, configPaths(), readMarkers(REPO));

describe('configuration keys covered by tests', () => {
  it('the key list comes from the loader and has the documented keys', () => {
    expect(keys).toEqual(expect.arrayContaining(['target', 'target.path', 'kube_context', 'feature.env.include', 'feature.fs.mode', 'agent.startup_timeout']));
    expect(keys).not.toContain('feature');   // a group, not a setting
  });

  it('the check itself: an uncovered key, a marker naming no key and a marker in a unit test are found, a group marker is accepted', () => {
    const c = coverage(['a', 'b.c'], ['a', 'b', 'b.c'], [
      { file: 'x.int.test.ts', line: 1, key: 'a' }, { file: 'x.int.test.ts', line: 2, key: 'b' }, { file: 'y.e2e.test.ts', line: 3, key: 'a.typo' },
      { file: 'z.test.ts', line: 4, key: 'b.c' },
    ]);
    expect(c.uncovered).toEqual(['b.c']);
    expect(c.unknown.map((m) => m.key)).toEqual(['a.typo']);
    expect(c.byKey.get('a')).toEqual(['x.int.test.ts']);
    expect(c.misplaced.map((m) => m.file)).toEqual(['z.test.ts']);
  });

  it('every key has an integration or e2e test that runs it', () => {
    expect(result.uncovered, `keys without a test (add one with a "// config-keys: KEY" marker line):\n${result.uncovered.join('\n')}`).toEqual([]);
  });

  it('every marker names an accepted key or group', () => {
    const bad = result.unknown.map((m) => `${m.file}:${m.line}: ${m.key}`);
    expect(bad, `markers naming keys the loader does not accept:\n${bad.join('\n')}`).toEqual([]);
  });

  it('markers are only in integration and e2e tests (a unit test or a helper does not run the key end to end)', () => {
    const bad = result.misplaced.map((m) => `${m.file}:${m.line}: ${m.key}`);
    expect(bad, `markers outside *.int.test.ts / *.e2e.test.ts:\n${bad.join('\n')}`).toEqual([]);
  });

  it('docs/config-coverage.md is the current table (the build writes it)', () => {
    const doc = readFileSync(join(REPO, 'docs/config-coverage.md'), 'utf8');
    expect(doc, 'docs/config-coverage.md is out of date: run `npm run build` (step 55-config-coverage)').toBe(renderTable(result));
  });
});
