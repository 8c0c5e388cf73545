// `kmirror demo`: runs the embedded local demo (scripts/demo.sh): a throw-away target with its
// own service, DNS, files and env, probed through the agent, then removed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliCommand } from './command.js';

function findDemoScript(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const p = join(dir, 'scripts/demo.sh');
    if (existsSync(p)) return p;
    if (dirname(dir) === dir) throw new Error('scripts/demo.sh not found beside this kmirror installation');
  }
}

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'run the embedded local demo (a namespace with its own service, DNS, files and env)',
  usage: 'usage: kmirror demo   (root; creates and removes its own namespaces)',
  async run(argv) {
    const child = spawn('bash', [findDemoScript(), ...argv], { stdio: 'inherit' });
    return new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  },
};
