// A skipped, todo or focused test is never committed (project rules: a skipped test standing in for
// a failing one is a defect; a tier whose prerequisite is missing fails loudly). vitest only counts
// skips, so this check reads every test file as text and names each offending line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listTsFiles } from '#test/harness/ts-files.js';

const repo = join(import.meta.dirname, '../..');
const FOLDERS = ['adapter', 'agent', 'proto', 'layer', 'ide-clients', 'test', 'bench'];

/** `it.skip(`, `describe.todo(`, `test.only(`, `it.skipIf(`, `it.runIf(`, `ctx.skip()`: what makes a test not run. */
const NOT_RUN = /\b(?:it|test|describe|bench)\s*\.\s*(?:skip|todo|only|skipIf|runIf)\b|\b(?:ctx|context|t)\s*\.\s*skip\s*\(/;

function notRunLines(text: string): string[] {
  return text.split('\n').flatMap((line, i) => (NOT_RUN.test(line) && !/^\s*(\/\/|\*)/.test(line) ? [`${i + 1}: ${line.trim()}`] : []));
}

describe('no test is skipped, todo or focused', () => {
  it('the check recognises each form (built here so this file does not match itself)', () => {
    const dot = '.';
    for (const form of [`it${dot}skip('x', () => {})`, `describe${dot}todo('x')`, `test${dot}only('x', f)`, `it${dot}skipIf(!ok)('x', f)`,
      `describe${dot}runIf(linux)('x', f)`, `  ctx${dot}skip();`]) expect(notRunLines(form), form).toHaveLength(1);
    for (const fine of ['it(\'skips nothing\', () => {})', 'const skipped = 0;', `// it${dot}skip is not allowed`, 'conn.skip(3)']) expect(notRunLines(fine), fine).toEqual([]);
  });

  it('in every test file of the repository', () => {
    const files = listTsFiles(repo, FOLDERS).filter((f) => f.endsWith('.test.ts') && !f.endsWith('no-skipped-tests.test.ts'));
    expect(files.length).toBeGreaterThan(200);
    const found = files.flatMap((f) => notRunLines(readFileSync(join(repo, f), 'utf8')).map((l) => `${f}:${l}`));
    expect(found).toEqual([]);
  });
});
