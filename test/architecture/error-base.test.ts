// Every kmirror error class extends KmError (proto/runtime/km-error.ts), so each carries a code from
// the one table, a user-facing message and a cause. Read from the sources: a new `extends Error`
// anywhere else fails here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
const FOLDERS = ['adapter', 'agent', 'proto', 'test', 'bench', 'scripts', 'ide-clients'];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'gen', 'build']);
const THE_BASE = 'proto/runtime/km-error.ts';
const EXTENDS_BUILTIN = /\bclass\s+(\w+)(?:<[^>{]*>)?\s+extends\s+(?:Error|TypeError|RangeError|SyntaxError|AggregateError)\b/g;

function tsFiles(dir: string): string[] {
  if (!existsSync(join(REPO, dir))) return [];
  return readdirSync(join(REPO, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return SKIPPED_DIRS.has(e.name) ? [] : tsFiles(path);
    return /\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('error classes', () => {
  const files = FOLDERS.flatMap(tsFiles);

  it('reads the sources', () => {
    expect(files).toContain(THE_BASE);
    expect(files.length).toBeGreaterThan(100);
  });

  it('extend KmError; only KmError extends the built-in Error', () => {
    const direct = files.flatMap((file) =>
      [...readFileSync(join(REPO, file), 'utf8').matchAll(EXTENDS_BUILTIN)].map((m) => `${file}: ${m[1]}`));
    expect(direct).toEqual([`${THE_BASE}: KmError`]);
  });
});
