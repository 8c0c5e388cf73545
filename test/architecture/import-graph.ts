// The repository's TypeScript import graph, read with the TypeScript compiler's own scanner
// (`preProcessFile`: static imports, `export … from`, `import type`, `import()` and `require()`),
// with the package.json "imports" aliases (#dap/*, #runtime/*, …) resolved to repository paths.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** Importing file, relative to the repository root (posix separators). */
  from: string;
  /** Imported path, relative to the repository root, with `.js` mapped back to the `.ts` source when one exists. */
  to: string;
  /** The specifier as written. */
  specifier: string;
}

/** Specifiers of one file's imports of every kind, in source order. */
export function importSpecifiers(sourceText: string): string[] {
  return ts.preProcessFile(sourceText, true, true).importedFiles.map((f) => f.fileName);
}

/** package.json "imports" as alias prefix → repository folder (`#dap/` → `adapter/dap/`). */
export function readAliases(repo: string): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { imports?: Record<string, string> };
  const aliases = new Map<string, string>();
  for (const [pattern, target] of Object.entries(pkg.imports ?? {})) {
    if (pattern.endsWith('/*') && target.endsWith('/*')) aliases.set(pattern.slice(0, -1), posix.normalize(target.slice(0, -1)));
  }
  return aliases;
}

/** The repository path a specifier names, or undefined for a package import (`ws`, `node:fs`). */
export function resolveSpecifier(repo: string, fromFile: string, specifier: string, aliases: Map<string, string>): string | undefined {
  let target: string | undefined;
  if (specifier.startsWith('.')) target = relative(repo, resolve(repo, dirname(fromFile), specifier)).split('\\').join('/');
  else for (const [prefix, folder] of aliases) if (specifier.startsWith(prefix)) target = folder + specifier.slice(prefix.length);
  if (target === undefined) return undefined;
  const source = target.replace(/\.js$/, '.ts');
  return existsSync(join(repo, source)) ? source : target;
}

/** The import edges of the given files that point into the repository. */
export function readImportEdges(repo: string, files: string[]): ImportEdge[] {
  const aliases = readAliases(repo);
  const edges: ImportEdge[] = [];
  for (const from of files) {
    for (const specifier of importSpecifiers(readFileSync(join(repo, from), 'utf8'))) {
      const to = resolveSpecifier(repo, from, specifier, aliases);
      if (to !== undefined) edges.push({ from, to, specifier });
    }
  }
  return edges;
}
