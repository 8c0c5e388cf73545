// The repository's TypeScript files below some folders, for the checks that read the source as text (import
// direction, config-key coverage).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every .ts file below the given folders (relative to the repository root), node_modules left out. */
export function listTsFiles(repo: string, folders: string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(repo, dir), { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue;
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.push(path);
    }
  };
  for (const folder of folders) if (existsSync(join(repo, folder))) walk(folder);
  return files;
}
