// The workspace a user opens in VS Code: the program's folder with a .vscode/launch.json of type
// `kmirror` that runs it against a target, nothing else (the extension's settings stay default).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes launch.json with one configuration named `name`; `program` is relative to the folder; `extra` adds fields (e.g. `kmirror`). */
export function writeLaunchJson(folder: string, name: string, program: string, target?: string, extra: Record<string, unknown> = {}): void {
  mkdirSync(join(folder, '.vscode'), { recursive: true });
  const config: Record<string, unknown> = { type: 'kmirror', request: 'launch', name, program: `\${workspaceFolder}/${program}` };
  if (target) Object.assign(config, { target, targetTimeoutMs: 30_000 });
  Object.assign(config, extra);
  writeFileSync(join(folder, '.vscode/launch.json'), JSON.stringify({ version: '0.2.0', configurations: [config] }, null, 2));
}

/** argv of running processes whose command line mentions `needle` (to see how VS Code started the adapter). */
export function processesMentioning(needle: string): string[][] {
  const found: string[][] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue; // exited while we looked
    }
    if (argv.some((a) => a.includes(needle))) found.push(argv);
  }
  return found;
}
