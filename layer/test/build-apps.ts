// Builds the layer test apps into build/layer-test/ at test time (never committed binaries):
// the C probe (gcc), and the Go probe statically (CGO_ENABLED=0, pure Go resolver) and
// dynamically linked (cgo).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
export const appsDir = join(here, 'apps');
export const outDir = join(repoRoot, 'build/layer-test');

export interface TestApps { c: string; goStatic: string; goDynamic: string; py: string; node: string }

export function buildTestApps(): TestApps {
  mkdirSync(outDir, { recursive: true });
  const c = join(outDir, 'probe-c');
  execFileSync('gcc', ['-O2', '-pthread', '-o', c, join(appsDir, 'probe.c')], { stdio: 'pipe' });
  const goStatic = join(outDir, 'probe-go-static');
  const goDynamic = join(outDir, 'probe-go-dynamic');
  const goEnv = { ...process.env };
  execFileSync('go', ['build', '-o', goStatic, '.'], { cwd: join(appsDir, 'go'), env: { ...goEnv, CGO_ENABLED: '0' }, stdio: 'pipe' });
  execFileSync('go', ['build', '-o', goDynamic, '.'], { cwd: join(appsDir, 'go'), env: { ...goEnv, CGO_ENABLED: '1' }, stdio: 'pipe' });
  const fileOut = execFileSync('file', [goStatic, goDynamic], { encoding: 'utf8' });
  if (!/probe-go-static:.*statically linked/.test(fileOut) || !/probe-go-dynamic:.*dynamically linked/.test(fileOut)) {
    throw new Error(`Go test apps are not linked as expected:\n${fileOut}`);
  }
  return { c, goStatic, goDynamic, py: join(appsDir, 'probe.py'), node: join(appsDir, 'probe.mjs') };
}
