// Reverse requests pass through kmirror-dap: debugpy with `console: integratedTerminal` asks the
// client to run its launcher in a terminal (runInTerminal); the client here runs it as a process.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { breakLine, useFixturesAndServer } from './harness.js';
import { RawClient, type Message } from './raw-client.js';

const ctx = useFixturesAndServer();
const terminals: ChildProcess[] = [];
// Registered after the shared set-up, so it runs first: processes go before the server closes.
afterAll(() => {
  for (const t of terminals) if (t.exitCode === null) t.kill('SIGKILL');
});

describe('reverse requests', () => {
  it('passes runInTerminal to the client and debugs what it started', { timeout: 60_000 }, async () => {
    const c = await RawClient.connect(ctx.server.port);
    const asked: Message[] = [];
    c.onReverse = async (request) => {
      asked.push(request);
      const a = request.arguments as { args: string[]; cwd?: string; env?: Record<string, string | null> };
      const env = { ...process.env, ...Object.fromEntries(Object.entries(a.env ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string')) };
      const term = spawn(a.args[0]!, a.args.slice(1), { cwd: a.cwd || undefined, env, stdio: 'ignore' });
      terminals.push(term);
      return { processId: term.pid };
    };
    try {
      await c.request('initialize', { adapterID: 'kmirror', supportsRunInTerminalRequest: true });
      const line = breakLine(ctx.fx.pySource);
      const launched = c.request('launch', { program: ctx.fx.pySource, console: 'integratedTerminal', env: { KM_GREETING: 'terminal' } });
      await c.waitEvent('initialized');
      await c.request('setBreakpoints', { source: { path: ctx.fx.pySource }, breakpoints: [{ line }] });
      await c.request('configurationDone');
      expect((await launched).success).toBe(true);
      const stopped = await c.waitEvent('stopped');
      expect(stopped.body?.reason).toBe('breakpoint');
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatchObject({ command: 'runInTerminal', arguments: { kind: 'integrated' } });
      const frameId = ((await c.request('stackTrace', { threadId: stopped.body?.threadId })).body?.stackFrames as Array<{ id: number }>)[0]!.id;
      expect((await c.request('evaluate', { expression: 'greeting', frameId })).body?.result).toBe("'terminal'");
      await c.request('disconnect', { terminateDebuggee: true });
    } finally {
      c.close();
    }
  });
});
