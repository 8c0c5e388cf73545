// Builds the parity test programs into build/layer-test/ at test time (never committed binaries).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { outDir } from '../build-apps.js';

export const parityApps = join(dirname(fileURLToPath(import.meta.url)), 'apps');

/** gcc apps/<name>.c → build/layer-test/<name>. */
export function buildC(name: string): string {
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, name);
  execFileSync('gcc', ['-O2', '-o', out, join(parityApps, `${name}.c`)], { stdio: 'pipe' });
  return out;
}

/** go build apps/<name>/ → build/layer-test/<name>-static (CGO_ENABLED=0: pure Go resolver, no libc). */
export function buildGoStatic(name: string): string {
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `${name}-static`);
  execFileSync('go', ['build', '-o', out, '.'], { cwd: join(parityApps, name), env: { ...process.env, CGO_ENABLED: '0' }, stdio: 'pipe' });
  return out;
}
