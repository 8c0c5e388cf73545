// .NET: netcoredbg is not installable here, so the backend runs against a protocol fixture that
// replays netcoredbg's side (adapter/dap/test/fixtures/netcoredbg/). It checks the launch arguments
// kmirror-dap sends (vsdbg shape) and that the session flows through to terminated.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.js';
import { RawClient } from './raw-client.js';

const replay = fileURLToPath(new URL('./fixtures/netcoredbg/replay.mjs', import.meta.url));
let server: TestServer;
let work: string;
beforeAll(async () => {
  server = await startServer();
  work = mkdtempSync(join(tmpdir(), 'kmirror-netcoredbg-'));
});
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('dotnet backend against the netcoredbg protocol fixture', () => {
  it('translates the launch and relays the session', { timeout: 30_000 }, async () => {
    const log = join(work, 'requests.jsonl');
    process.env.KM_REPLAY_LOG = log;
    const program = join(work, 'app.dll');
    writeFileSync(program, 'not really a dll');
    const c = await RawClient.connect(server.port);
    try {
      await c.request('initialize', { adapterID: 'kmirror' });
      const launched = c.request('launch', { program, debuggerPath: replay, env: { KM_GREETING: 'hello-dotnet' } });
      await c.waitEvent('initialized');
      await c.request('setBreakpoints', { source: { path: '/src/app/Program.cs' }, breakpoints: [{ line: 9 }] });
      await c.request('setExceptionBreakpoints', { filters: [] });
      await c.request('configurationDone');
      expect((await launched).success).toBe(true);
      const stopped = await c.waitEvent('stopped');
      expect(stopped.body).toMatchObject({ reason: 'breakpoint', threadId: 4243 });
      const st = await c.request('stackTrace', { threadId: 4243 });
      expect(st.body).toMatchObject({ stackFrames: [{ name: 'App.Program.Main()', line: 9 }] });
      const vars = await c.request('variables', { variablesReference: 1 });
      expect(vars.body?.variables).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'greeting', value: '"hello-dotnet"' })]));
      expect((await c.request('evaluate', { expression: 'count + 100', frameId: 1 })).body).toMatchObject({ result: '100' });
      expect((await c.request('disconnect', {})).success).toBe(true);
      await c.waitEvent('terminated');
      expect(c.received.filter((m) => m.event === 'output').map((m) => m.body?.output)).toContain('greeting=hello-dotnet count=0\n');
    } finally {
      c.close();
      delete process.env.KM_REPLAY_LOG;
    }
    expect(existsSync(log)).toBe(true);
    const requests = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { command: string; arguments?: Record<string, unknown> });
    expect(requests.find((r) => r.command === 'initialize')?.arguments).toMatchObject({ adapterID: 'coreclr' });
    expect(requests.find((r) => r.command === 'launch')?.arguments).toEqual({
      type: 'coreclr', program, args: [], env: { KM_GREETING: 'hello-dotnet' }, stopAtEntry: false, justMyCode: true,
    });
  });
});
