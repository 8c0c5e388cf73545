// The adapter and the agent run headless: no module under adapter/ or agent/ may import the VS Code
// API (STYLE §9; the extension in ide-clients/vscode/ is the only place that does).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(name)) out.push(path);
  }
  return out;
}

describe('vscode import boundary', () => {
  it('no module under adapter/ or agent/ imports vscode', () => {
    const files = [...sources(join(root, 'adapter')), ...sources(join(root, 'agent'))];
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.filter((f) => /(?:from\s+|require\(\s*|import\(\s*)['"]vscode['"]/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the check recognises the import forms it looks for', () => {
    const pattern = /(?:from\s+|require\(\s*|import\(\s*)['"]vscode['"]/;
    for (const line of ["import * as vscode from 'vscode';", 'const v = require("vscode");', "await import('vscode')"]) expect(pattern.test(line)).toBe(true);
    expect(pattern.test("import x from 'vscode-languageserver';")).toBe(false);
  });
});
