// Golden DAP transcripts of the Node bridge (adapter/dap/test/golden/*.txt): the full message
// sequence of a scenario, sanitised; RESET_GOLDEN=1 rewrites, a mismatch writes .actual and fails.
// Program output is dropped (its timing relative to responses is not deterministic).
import { describe, expect, it } from 'vitest';
import { breakLine, useFixturesAndServer } from './harness.js';
import { checkGolden, renderTranscript } from './golden.js';
import { RawClient, type Message } from './raw-client.js';

const ctx = useFixturesAndServer();

const dropOutput = (m: Message): boolean => m.type === 'event' && m.event === 'output';

async function scenario(c: RawClient, launch: Record<string, unknown>, path: string, breakpoints: Array<Record<string, unknown>>): Promise<void> {
  await c.request('initialize', { adapterID: 'kmirror', clientID: 'golden', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const launched = c.request('launch', { type: 'kmirror', request: 'launch', ...launch });
  await c.waitEvent('initialized');
  await c.request('setBreakpoints', { source: { path }, breakpoints });
  await c.request('setExceptionBreakpoints', { filters: [] });
  const since = c.received.length;
  await c.request('configurationDone');
  await launched;
  await c.waitEvent('stopped', 30_000, since);
}

async function inspectTop(c: RawClient): Promise<void> {
  const st = await c.request('stackTrace', { threadId: 1, startFrame: 0, levels: 1 });
  const frameId = (st.body?.stackFrames as Array<{ id: number }>)[0]!.id;
  const scopes = await c.request('scopes', { frameId });
  const locals = (scopes.body?.scopes as Array<{ variablesReference: number }>)[0]!;
  await c.request('variables', { variablesReference: locals.variablesReference });
  await c.request('evaluate', { expression: 'count + 100', frameId, context: 'repl' });
}

describe('Node bridge golden transcripts', () => {
  it('node-breakpoint: stop, inspect, continue to the end', { timeout: 60_000 }, async () => {
    const c = await RawClient.connect(ctx.server.port);
    try {
      const line = breakLine(ctx.fx.jsSource);
      await scenario(c, { program: ctx.fx.jsSource, env: { KM_GREETING: 'golden' } }, ctx.fx.jsSource, [{ line, hitCondition: '2' }]);
      await inspectTop(c);
      await c.request('setBreakpoints', { source: { path: ctx.fx.jsSource }, breakpoints: [] });
      const since = c.received.length;
      await c.request('continue', { threadId: 1 });
      await c.waitEvent('terminated', 30_000, since);
      await c.request('disconnect', {});
      const problem = checkGolden('node-breakpoint', renderTranscript(c.transcript, { replace: [[ctx.fx.dir, '<FIXTURES>']], drop: dropOutput }));
      expect(problem).toBeUndefined();
    } finally {
      c.close();
    }
  });

  it('node-sourcemap: breakpoint in TypeScript, pending until the script loads', { timeout: 60_000 }, async () => {
    const c = await RawClient.connect(ctx.server.port);
    try {
      const line = breakLine(ctx.fx.tsSource);
      await scenario(c, { program: ctx.fx.tsCompiled }, ctx.fx.tsSource, [{ line }]);
      const st = await c.request('stackTrace', { threadId: 1, startFrame: 0, levels: 1 });
      const frameId = (st.body?.stackFrames as Array<{ id: number }>)[0]!.id;
      await c.request('evaluate', { expression: 'label', frameId, context: 'hover' });
      await c.request('disconnect', { terminateDebuggee: true });
      await c.waitEvent('terminated', 10_000);
      const problem = checkGolden('node-sourcemap', renderTranscript(c.transcript, { replace: [[ctx.fx.dir, '<FIXTURES>']], drop: dropOutput }));
      expect(problem).toBeUndefined();
    } finally {
      c.close();
    }
  });
});
