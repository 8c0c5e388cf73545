// Import direction between the products: which folder may import which. A rule forbids imports of
// every kind (static, `import type`, `export … from`, `import()`), written relatively or through a
// package.json alias, made directly or through modules of other folders; tests beside the source
// count like the source.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listTsFiles } from '../harness/ts-files.js';
import { importSpecifiers, readAliases, readImportEdges, resolveSpecifier, type ImportEdge } from './import-graph.js';

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
  // What backends share with the server is in adapter/dap/backends/contract.ts (types, process
  // ownership handed over in BackendContext) and adapter/dap/common/ (errors); the server gets the
  // backend registry from adapter/dap/main.ts.
  { name: 'backends never import the DAP server', from: 'adapter/dap/backends/', forbidden: ['adapter/dap/server/'] },
  // The SDK's own tests included: they drive kmirror-dap as a process, the way the SDK's users do.
  { name: 'the SDK imports neither the DAP server nor the runtime', from: 'adapter/sdk/', forbidden: ['adapter/dap/', 'adapter/runtime/'] },
  { name: 'the CLI runs the agent bundle instead of importing the agent', from: 'adapter/cli/', forbidden: ['agent/src/'] },
];

/**
 * Imports that break a rule today and are being removed; each names what removes it. An entry
 * that no longer matches an import fails the test, so the lists only shrink.
 */
const KNOWN_DIRECT: { from: string; to: string; removedBy: string }[] = [];

/** Modules outside a rule's folder through which its files reach a forbidden folder today. */
const KNOWN_INDIRECT: { rule: string; through: string; removedBy: string }[] = [];

function directViolations(edges: ImportEdge[], rule: Rule): string[] {
  return edges
    .filter((e) => e.from.startsWith(rule.from) && rule.forbidden.some((f) => e.to.startsWith(f)))
    .filter((e) => !KNOWN_DIRECT.some((x) => x.from === e.from && x.to === e.to))
    .map((e) => `${e.from} imports ${e.specifier} (${e.to})`);
}

/** Chains `file -> … -> through -> forbidden` from the rule's files, one per module `through`. */
function indirectViolations(edges: ImportEdge[], rule: Rule): Map<string, string> {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const forbidden = (path: string): boolean => rule.forbidden.some((f) => path.startsWith(f));
  const chains = new Map<string, string>();
  for (const start of [...next.keys()].filter((f) => f.startsWith(rule.from))) {
    const parent = new Map<string, string>([[start, '']]);
    const queue = [start];
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      if (forbidden(file)) continue; // a direct import: the direct check reports it
      for (const to of next.get(file) ?? []) {
        if (parent.has(to)) continue;
        parent.set(to, file);
        queue.push(to);
        if (!forbidden(to) || file.startsWith(rule.from) || chains.has(file)) continue;
        const chain = [to];
        for (let at = file; at; at = parent.get(at) ?? '') chain.unshift(at);
        chains.set(file, chain.join(' -> '));
      }
    }
  }
  return chains;
}

describe('import direction', () => {
  const edges = readImportEdges(REPO, listTsFiles(REPO, ['adapter', 'agent/src', 'proto', 'test']));

  it('reads a real graph', () => {
    expect(edges.length).toBeGreaterThan(200);
    expect(edges.some((e) => e.from.startsWith('adapter/cli/') && e.to.startsWith('adapter/runtime/'))).toBe(true);
  });

  for (const rule of RULES) {
    it(rule.name, () => {
      expect(directViolations(edges, rule)).toEqual([]);
    });

    it(`${rule.name}, not even through other modules`, () => {
      const known = KNOWN_INDIRECT.filter((x) => x.rule === rule.name).map((x) => x.through);
      const chains = [...indirectViolations(edges, rule)].filter(([through]) => !known.includes(through)).map(([, chain]) => chain);
      expect(chains).toEqual([]);
    });
  }

  it('lists only exceptions that still exist', () => {
    const staleDirect = KNOWN_DIRECT.filter((x) => !edges.some((e) => e.from === x.from && e.to === x.to));
    const staleIndirect = KNOWN_INDIRECT.filter((x) => {
      const rule = RULES.find((r) => r.name === x.rule);
      return !rule || !indirectViolations(edges, rule).has(x.through);
    });
    expect([...staleDirect, ...staleIndirect]).toEqual([]);
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
