// Import direction between the products: which folder may import which. A rule forbids direct
// imports of every kind (static, `import type`, `export … from`, `import()`), written relatively or
// through a package.json alias; tests beside the source count like the source.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importSpecifiers, listTsFiles, readAliases, readImportEdges, resolveSpecifier, type ImportEdge } from './import-graph.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');

interface Rule {
  name: string;
  /** Folder whose files the rule constrains. */
  from: string;
  /** Folders those files must not import. */
  forbidden: string[];
}

const RULES: Rule[] = [
  { name: 'the agent never imports the workstation side', from: 'agent/src/', forbidden: ['adapter/'] },
  { name: 'backends never import the workstation runtime', from: 'adapter/dap/backends/', forbidden: ['adapter/runtime/'] },
  // The SDK's own tests included: they drive kmirror-dap as a process, the way the SDK's users do.
  { name: 'the SDK imports neither the DAP server nor the runtime', from: 'adapter/sdk/', forbidden: ['adapter/dap/', 'adapter/runtime/'] },
  { name: 'the CLI runs the agent bundle instead of importing the agent', from: 'adapter/cli/', forbidden: ['agent/src/'] },
];

/**
 * Imports that break a rule today and are being removed; each names what removes it. An entry
 * that no longer matches an import fails the test, so the list only shrinks.
 */
const KNOWN_EXCEPTIONS: { from: string; to: string; removedBy: string }[] = [];

function violations(edges: ImportEdge[], rule: Rule): string[] {
  return edges
    .filter((e) => e.from.startsWith(rule.from) && rule.forbidden.some((f) => e.to.startsWith(f)))
    .filter((e) => !KNOWN_EXCEPTIONS.some((x) => x.from === e.from && x.to === e.to))
    .map((e) => `${e.from} imports ${e.specifier} (${e.to})`);
}

describe('import direction', () => {
  const edges = readImportEdges(REPO, listTsFiles(REPO, ['adapter', 'agent/src']));

  it('reads a real graph', () => {
    expect(edges.length).toBeGreaterThan(200);
    expect(edges.some((e) => e.from.startsWith('adapter/cli/') && e.to.startsWith('adapter/runtime/'))).toBe(true);
  });

  for (const rule of RULES) {
    it(rule.name, () => {
      expect(violations(edges, rule)).toEqual([]);
    });
  }

  it('lists only exceptions that still exist', () => {
    const stale = KNOWN_EXCEPTIONS.filter((x) => !edges.some((e) => e.from === x.from && e.to === x.to));
    expect(stale).toEqual([]);
  });
});

describe('import scanner', () => {
  it('finds every kind of import', () => {
    const text = [
      "import a from './a.js';",
      "import type { B } from '#runtime/b.js';",
      "export { c } from '../c.js';",
      "export * from '#dap/d.js';",
      "const e = await import('#agent/e.js');",
      "type F = import('#sdk/f.js').F;",
      "import 'node:fs';",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual(['./a.js', '#runtime/b.js', '../c.js', '#dap/d.js', '#agent/e.js', '#sdk/f.js', 'node:fs']);
  });

  it('resolves relative paths and aliases to source files, and leaves packages out', () => {
    const aliases = readAliases(REPO);
    expect(resolveSpecifier(REPO, 'adapter/cli/commands/agent.ts', './command.js', aliases)).toBe('adapter/cli/commands/command.ts');
    expect(resolveSpecifier(REPO, 'adapter/cli/commands/agent.ts', '#agent/run.js', aliases)).toBe('agent/src/run.ts');
    expect(resolveSpecifier(REPO, 'agent/src/main.ts', '../../adapter/cli/main.js', aliases)).toBe('adapter/cli/main.ts');
    expect(resolveSpecifier(REPO, 'agent/src/main.ts', 'ws', aliases)).toBeUndefined();
  });
});
