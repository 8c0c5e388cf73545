// Attach to running programs (Node inspector port, dlv and lldb by pid), stopOnEntry, and the
// `kmirror-dap --target` default: each through kmirror-dap with Microsoft's DebugClient.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { breakLine, connectClient, startServer, useFixturesAndServer } from './harness.js';

const ctx = useFixturesAndServer();
const programs: ChildProcess[] = [];
// Registered after the shared set-up, so it runs first: processes go before the server closes.
afterAll(() => {
  for (const p of programs) if (p.exitCode === null) p.kill('SIGKILL');
});

async function running(command: string, args: string[]): Promise<ChildProcess> {
  const p = spawn(command, args, { env: { ...process.env, KM_GREETING: 'attached', KM_FOREVER: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  programs.push(p);
  await once(p.stdout!, 'data'); // it runs its loop
  return p;
}

async function attachToBreakpoint(dc: DebugClient, attach: Record<string, unknown>, path: string, line: number): Promise<void> {
  await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await Promise.all([
    dc.waitForEvent('initialized').then(() => dc.setBreakpointsRequest({ source: { path }, breakpoints: [{ line }] })).then(() => dc.configurationDoneRequest()),
    dc.attachRequest({ type: 'kmirror', request: 'attach', ...attach } as DebugProtocol.AttachRequestArguments),
    dc.assertStoppedLocation('breakpoint', { path, line }),
  ]);
}

async function greeting(dc: DebugClient): Promise<string> {
  const threadId = (await dc.threadsRequest()).body.threads[0]!.id;
  const frame = (await dc.stackTraceRequest({ threadId, levels: 1 })).body.stackFrames[0]!;
  return (await dc.evaluateRequest({ expression: 'greeting', frameId: frame.id, context: 'repl' })).body.result;
}

const attachCases = [
  { name: 'node inspector port', start: async () => {
    const p = spawn(process.execPath, ['--inspect=127.0.0.1:0', ctx.fx.jsSource], { env: { ...process.env, KM_GREETING: 'attached', KM_FOREVER: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    programs.push(p);
    const port = await new Promise<number>((resolve) => p.stderr!.on('data', (d: Buffer) => { const m = /ws:\/\/127\.0\.0\.1:(\d+)\//.exec(d.toString()); if (m) resolve(Number(m[1])); }));
    return { p, attach: { debugger: 'node', port } };
  }, source: () => ctx.fx.jsSource },
  { name: 'dlv by pid', start: async () => { const p = await running(ctx.fx.goBinary, []); return { p, attach: { debugger: 'go', processId: p.pid } }; }, source: () => ctx.fx.goSource },
  { name: 'lldb by pid', start: async () => { const p = await running(ctx.fx.cBinary, []); return { p, attach: { debugger: 'lldb', processId: p.pid, program: ctx.fx.cBinary } }; }, source: () => ctx.fx.cSource },
];

describe.each(attachCases)('attach: $name', (c) => {
  it('stops at a breakpoint in the running program and leaves it running on disconnect', { timeout: 60_000 }, async () => {
    const { p, attach } = await c.start();
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const dc = await connectClient(ctx.server.port);
    let mark = 0;
    try {
      await attachToBreakpoint(dc, attach, c.source(), breakLine(c.source()));
      expect(await greeting(dc)).toContain('attached');
      await dc.disconnectRequest({ terminateDebuggee: false });
      mark = out.length;
    } finally {
      await dc.stop();
    }
    // Running on its own again: two more iterations printed after the disconnect (an event, not a pause).
    const ran = new Promise<void>((resolve, reject) => {
      const check = (): void => { if ((out.slice(mark).match(/count=\d+/g) ?? []).length >= 2) resolve(); };
      p.stdout!.on('data', check);
      p.once('exit', (code) => reject(new Error(`the program exited (${code}) after the disconnect`)));
      check();
    });
    await ran;
    expect(p.exitCode).toBeNull();
  });
});

describe('stopOnEntry', () => {
  it.each([
    { name: 'node', program: () => ctx.fx.jsSource },
    { name: 'go', program: () => ctx.fx.goBinary },
  ])('$name stops at entry before any breakpoint', { timeout: 60_000 }, async (c) => {
    const dc = await connectClient(ctx.server.port);
    try {
      await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
      const [, , stopped] = await Promise.all([
        dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest()),
        dc.launchRequest({ type: 'kmirror', request: 'launch', program: c.program(), stopOnEntry: true } as DebugProtocol.LaunchRequestArguments),
        dc.waitForEvent('stopped'),
      ]);
      expect(stopped.body.reason).toBe('entry');
    } finally {
      await dc.stop();
    }
  });
});

describe('kmirror-dap --target', () => {
  it('uses the default target when the launch config names none', { timeout: 30_000 }, async () => {
    const withDefault = await startServer('pid/999999999');
    const dc = await connectClient(withDefault.port);
    try {
      await dc.initializeRequest({ adapterID: 'kmirror' });
      const err = await dc.launchRequest({ type: 'kmirror', request: 'launch', program: ctx.fx.jsSource, targetTimeoutMs: 3_000 } as DebugProtocol.LaunchRequestArguments).then(() => undefined, (e: Error) => e);
      expect(err?.message).toMatch(/cannot reach target pid\/999999999/);
    } finally {
      await dc.stop();
      await withDefault.close();
    }
  });
});
