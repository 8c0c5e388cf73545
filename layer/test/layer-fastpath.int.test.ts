// The preload fast path (layer/src/preload, kmirror-fastpath.so): file calls of a dynamically
// linked program on paths the rules keep local skip the supervisor (the debug log's count of
// notifications stays flat however many there are), paths of the target are still served from
// it, errors keep their errno, and a program's own LD_PRELOAD is kept.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkstationSession } from '#runtime/session/workstation-session.js';
import { appsDir, outDir, repoRoot } from './build-apps.js';
import { openReadSession } from './read-session.js';
import { createLayerTarget, parseKv, runToEnd, type LayerTarget } from './target-fixture.js';

let target: LayerTarget;
let session: WorkstationSession;
let app: string;
let ownLib: string;
const LOCAL = ['/etc/passwd', '/usr/bin/env', '/usr/lib/x86_64-linux-gnu/libc.so.6'];

beforeAll(async () => {
  mkdirSync(outDir, { recursive: true });
  app = join(outDir, 'fastpath-c');
  execFileSync('gcc', ['-O2', '-D_FORTIFY_SOURCE=2', '-o', app, join(appsDir, 'fastpath.c')], { stdio: 'pipe' });
  // A program's own preload: announces itself on stderr from its constructor.
  const src = join(outDir, 'own-preload.c');
  writeFileSync(src, '#include <unistd.h>\n__attribute__((constructor)) static void hi(void) { write(2, "own-preload-loaded\\n", 19); }\n');
  ownLib = join(outDir, 'own-preload.so');
  execFileSync('gcc', ['-shared', '-fPIC', '-o', ownLib, src], { stdio: 'pipe' });
  target = await createLayerTarget();
  session = await openReadSession(target);
});

afterAll(async () => {
  await session?.close();
  target?.cleanup();
});

async function run(argv: string[], env: Record<string, string> = {}) {
  const r = await runToEnd(session.wrapCommand(argv, { env: { KMIRROR_LAYER_LOG: 'debug', ...env } }), { timeoutMs: 60_000, cwd: repoRoot });
  expect(r.timedOut, `timed out:\n${r.stdout}\n${r.stderr}`).toBe(false);
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  const m = /done: notifications=(\d+)/.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  return { kv: parseKv(r.stdout), stderr: r.stderr, notifications: Number(m![1]) };
}

describe('preload fast path', () => {
  it('local file calls of a C program are not trapped; the target file still comes from the target', async () => {
    const small = await run([app, '1', target.secretPath, ...LOCAL]);
    const big = await run([app, '300', target.secretPath, ...LOCAL]);
    expect(big.kv.calls).toBe(String(300 * 6 * LOCAL.length));
    expect(big.kv.failures).toBe('0');
    expect(big.kv.remote).toBe(target.secretContent);
    expect(big.kv.missing).toBe('-1:No such file or directory');
    // 5400 more local calls, (almost) no more notifications
    expect(big.notifications - small.notifications).toBeLessThan(20);
  });

  it('without it (KMIRROR_LAYER_FASTPATH=0) every one of those calls is trapped', async () => {
    const small = await run([app, '1', target.secretPath, ...LOCAL], { KMIRROR_LAYER_FASTPATH: '0' });
    const big = await run([app, '300', target.secretPath, ...LOCAL], { KMIRROR_LAYER_FASTPATH: '0' });
    expect(big.kv.remote).toBe(target.secretContent);
    expect(big.kv.ld_preload).not.toContain('kmirror-fastpath.so');
    expect(big.notifications - small.notifications).toBeGreaterThanOrEqual(299 * 6 * LOCAL.length);
  });

  it('Python: stdlib opens and stats skip the supervisor, the target file is read from the target', async () => {
    const script = `import os\nfor _ in range(300):\n  [os.stat(p) for p in ${JSON.stringify(LOCAL)}]\n  [open(p, 'rb').close() for p in ${JSON.stringify(LOCAL)}]\nprint('remote=' + open(${JSON.stringify(target.secretPath)}).read().strip())\n`;
    const small = await run(['python3', '-c', script.replace('range(300)', 'range(1)')]);
    const big = await run(['python3', '-c', script]);
    expect(big.kv.remote).toBe(target.secretContent);
    expect(big.notifications - small.notifications).toBeLessThan(20);
  });

  it("a program's own LD_PRELOAD is kept (after the fast path's library)", async () => {
    const r = await run([app, '100', target.secretPath, ...LOCAL], { LD_PRELOAD: ownLib });
    expect(r.stderr).toContain('own-preload-loaded');
    const libs = r.kv.ld_preload!.split(' ');
    expect(libs).toHaveLength(2);
    expect(libs[0]).toMatch(/\/kmirror-fastpath\.so$/);
    expect(libs[1]).toBe(ownLib);
    expect(r.kv.remote).toBe(target.secretContent);
    expect(r.notifications).toBeLessThan(200);
  });
});
