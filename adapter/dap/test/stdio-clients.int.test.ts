// kmirror-dap over stdio, as editors start it: Microsoft's DebugClient spawning the bundle, and
// headless Emacs dap-mode (a real editor) driving each real backend to a breakpoint.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleKmirrorDap } from './bundle.js';
import { breakLine, buildFixtures, type Fixtures } from './harness.js';

let fx: Fixtures;
let bundle: string;
let work: string;
beforeAll(async () => {
  fx = buildFixtures();
  bundle = await bundleKmirrorDap();
  work = mkdtempSync(join(tmpdir(), 'kmirror-dap-emacs-'));
});
afterAll(() => {
  fx?.cleanup();
  if (bundle) rmSync(dirname(bundle), { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('stdio: DebugClient spawning kmirror-dap', () => {
  it('hits a breakpoint in a Python program and exits cleanly', { timeout: 60_000 }, async () => {
    const dc = new DebugClient(process.execPath, bundle, 'kmirror');
    dc.defaultTimeout = 30_000;
    await dc.start();
    try {
      const line = breakLine(fx.pySource);
      await dc.hitBreakpoint({ type: 'kmirror', request: 'launch', program: fx.pySource, env: { KM_GREETING: 'stdio' } } as never, { path: fx.pySource, line });
      const st = await dc.stackTraceRequest({ threadId: (await dc.threadsRequest()).body.threads[0]!.id });
      expect(st.body.stackFrames[0]!.line).toBe(line);
    } finally {
      await dc.stop();
    }
  });
});

const emacsCases = [
  { name: 'go', launch: () => ({ program: fx.goBinary }), source: () => fx.goSource, greeting: '"from-emacs"' },
  { name: 'python', launch: () => ({ program: fx.pySource }), source: () => fx.pySource, greeting: "'from-emacs'" },
  { name: 'c', launch: () => ({ program: fx.cBinary }), source: () => fx.cSource, greeting: 'from-emacs' },
  { name: 'node', launch: () => ({ program: fx.jsSource }), source: () => fx.jsSource, greeting: '"from-emacs"' },
];

describe('stdio: headless Emacs dap-mode driving kmirror-dap', () => {
  it.each(emacsCases)('$name: breakpoint, variables, evaluate, disconnect', { timeout: 90_000 }, (c) => {
    const out = join(work, `${c.name}.json`);
    const source = c.source();
    execFileSync('emacs', ['--batch', '-l', fileURLToPath(new URL('./emacs/probe.el', import.meta.url))], {
      env: {
        ...process.env, KM_OUT: out, KM_SOURCE: source, KM_LINE: String(breakLine(source)),
        KM_DAP_COMMAND: JSON.stringify([process.execPath, bundle]),
        KM_LAUNCH: JSON.stringify({ ...c.launch(), env: { KM_GREETING: 'from-emacs' } }),
      },
      timeout: 80_000, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    expect(result).toMatchObject({ stopped: true, line: breakLine(source), ended: true });
    expect(String(result.greeting)).toContain('from-emacs');
    expect(String(result.eval)).toMatch(/\b100$/);
  });
});

describe('kmirror-dap command line', () => {
  it('rejects bad flags with usage and exit code 2', () => {
    for (const args of [['--port', 'http'], ['--bogus']]) {
      let status = 0;
      let stderr = '';
      try {
        execFileSync(process.execPath, [bundle, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
      } catch (e) {
        status = (e as { status: number }).status;
        stderr = String((e as { stderr: Buffer }).stderr);
      }
      expect(status).toBe(2);
      expect(stderr).toMatch(/kmirror-dap: .*\n?usage: kmirror-dap|--port must be a TCP port/);
    }
  });

  it('serves several sessions at once on --port', { timeout: 60_000 }, async () => {
    const server = spawn(process.execPath, [bundle, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        server.stdout!.on('data', (d: Buffer) => { const m = /listening on 127\.0\.0\.1:(\d+)/.exec(d.toString()); if (m) resolve(Number(m[1])); });
        server.once('exit', (code) => reject(new Error(`kmirror-dap exited ${code}`)));
      });
      const run = async (program: string, source: string, verified: boolean): Promise<number> => {
        const dc = new DebugClient('node', '', 'kmirror');
        dc.defaultTimeout = 30_000;
        await dc.start(port);
        try {
          const line = breakLine(source);
          await dc.hitBreakpoint({ type: 'kmirror', request: 'launch', program } as never, { path: source, line, verified });
          return (await dc.stackTraceRequest({ threadId: (await dc.threadsRequest()).body.threads[0]!.id })).body.stackFrames[0]!.line;
        } finally {
          await dc.stop();
        }
      };
      const lines = await Promise.all([run(fx.pySource, fx.pySource, true), run(fx.jsSource, fx.jsSource, false), run(fx.goBinary, fx.goSource, true)]);
      expect(lines).toEqual([breakLine(fx.pySource), breakLine(fx.jsSource), breakLine(fx.goSource)]);
    } finally {
      server.kill();
    }
  });
});
