// The Node bridge's features through kmirror-dap with Microsoft's DebugClient: source maps for
// compiled TypeScript, conditional / hit-count breakpoints, logpoints, variable paging,
// setVariable, stepping, pause, exception breakpoints and exceptionInfo, stdout/stderr output.
import { describe, expect, it } from 'vitest';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { breakLine, connectClient, useFixturesAndServer } from './harness.js';

const ctx = useFixturesAndServer();

/** initialize → launch, with breakpoints and exception filters set on `initialized`. */
async function start(dc: DebugClient, launch: Record<string, unknown>, breakpoints: Array<{ path: string; breakpoints: DebugProtocol.SourceBreakpoint[] }>,
  exceptionFilters: string[] = []): Promise<DebugProtocol.SetBreakpointsResponse[]> {
  await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const [responses] = await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      const out = [];
      for (const b of breakpoints) out.push(await dc.setBreakpointsRequest({ source: { path: b.path }, breakpoints: b.breakpoints }));
      await dc.setExceptionBreakpointsRequest({ filters: exceptionFilters });
      await dc.configurationDoneRequest();
      return out;
    }),
    dc.launchRequest({ type: 'kmirror', request: 'launch', ...launch } as DebugProtocol.LaunchRequestArguments),
  ]);
  return responses;
}

async function topFrame(dc: DebugClient): Promise<DebugProtocol.StackFrame> {
  return (await dc.stackTraceRequest({ threadId: 1, startFrame: 0, levels: 5 })).body.stackFrames[0]!;
}

async function evaluate(dc: DebugClient, expression: string): Promise<string> {
  const frame = await topFrame(dc);
  return (await dc.evaluateRequest({ expression, frameId: frame.id, context: 'repl' })).body.result;
}

function withClient(name: string, body: (dc: DebugClient) => Promise<void>): void {
  it(name, { timeout: 60_000 }, async () => {
    const dc = await connectClient(ctx.server.port);
    try {
      await body(dc);
    } finally {
      await dc.stop();
    }
  });
}

describe('Node bridge', () => {
  withClient('maps breakpoints and frames through source maps of compiled TypeScript', async (dc) => {
    const line = breakLine(ctx.fx.tsSource);
    const stopped = dc.waitForEvent('stopped');
    const [set] = await start(dc, { program: ctx.fx.tsCompiled }, [{ path: ctx.fx.tsSource, breakpoints: [{ line }] }]);
    expect(set!.body.breakpoints[0]).toMatchObject({ verified: false });
    expect((await stopped).body.reason).toBe('breakpoint');
    const frame = await topFrame(dc);
    expect(frame).toMatchObject({ name: 'describeOrder', line, source: { path: ctx.fx.tsSource } });
    expect(await evaluate(dc, 'label')).toBe('"order 1"');
    expect(await evaluate(dc, 'withTax')).toBe('15');
  });

  withClient('honours conditions, hit counts and logpoints', async (dc) => {
    const line = breakLine(ctx.fx.jsSource);
    const logged: string[] = [];
    dc.on('output', (e) => { if (e.body.category === 'console') logged.push(String(e.body.output)); });
    const stopped = dc.waitForEvent('stopped');
    await start(dc, { program: ctx.fx.jsSource, env: { KM_GREETING: 'cond' } }, [{ path: ctx.fx.jsSource, breakpoints: [{ line, condition: 'count >= 1', hitCondition: '2' }, { line: line + 1, logMessage: 'log count={count} doubled={doubled}' }] }]);
    await stopped;
    // condition true for count 1, 2; the second such hit is count 2
    expect(await evaluate(dc, 'count')).toBe('2');
    expect(logged).toEqual(['log count=0 doubled=0\n', 'log count=1 doubled=2\n']);
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
    expect(logged).toContain('log count=2 doubled=4\n');
  });

  withClient('pages large arrays and sets variables', async (dc) => {
    const line = breakLine(ctx.fx.jsSource);
    const stopped = dc.waitForEvent('stopped');
    await start(dc, { program: ctx.fx.jsSource, env: { KM_GREETING: 'vars' } }, [{ path: ctx.fx.jsSource, breakpoints: [{ line }] }]);
    await stopped;
    const frame = await topFrame(dc);
    const info = await dc.evaluateRequest({ expression: 'info', frameId: frame.id, context: 'watch' });
    const props = (await dc.variablesRequest({ variablesReference: info.body.variablesReference })).body.variables;
    const items = props.find((v) => v.name === 'items')!;
    expect(items).toMatchObject({ value: 'Array(250)', indexedVariables: 250 });
    const page = (await dc.variablesRequest({ variablesReference: items.variablesReference, filter: 'indexed', start: 200, count: 3 })).body.variables;
    expect(page.map((v) => [v.name, v.value])).toEqual([['200', '400'], ['201', '402'], ['202', '404']]);
    const named = (await dc.variablesRequest({ variablesReference: items.variablesReference, filter: 'named' })).body.variables;
    expect(named.map((v) => v.name)).toEqual(['length']);

    const scopes = (await dc.scopesRequest({ frameId: frame.id })).body.scopes;
    const locals = scopes.find((s) => s.name === 'Locals')!;
    const set = await dc.setVariableRequest({ variablesReference: locals.variablesReference, name: 'doubled', value: '40 + 2' });
    expect(set.body.value).toBe('42');
    expect(await evaluate(dc, 'doubled')).toBe('42');
    const nested = props.find((v) => v.name === 'nested')!;
    await dc.setVariableRequest({ variablesReference: nested.variablesReference, name: 'depth', value: '7' });
    expect(await evaluate(dc, 'info.nested.depth')).toBe('7');
  });

  withClient('steps in, over and out', async (dc) => {
    const call = breakLine(ctx.fx.jsSource, 'CALL');
    const line = breakLine(ctx.fx.jsSource);
    const stopped = dc.waitForEvent('stopped');
    await start(dc, { program: ctx.fx.jsSource }, [{ path: ctx.fx.jsSource, breakpoints: [{ line: call }] }]);
    await stopped;
    await Promise.all([dc.stepInRequest({ threadId: 1 }), dc.assertStoppedLocation('step', { path: ctx.fx.jsSource, line: line - 2 })]);
    expect((await topFrame(dc)).name).toBe('step');
    await Promise.all([dc.nextRequest({ threadId: 1 }), dc.assertStoppedLocation('step', { path: ctx.fx.jsSource, line: line - 1 })]);
    await Promise.all([dc.stepOutRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    // V8 returns to the caller after the call expression: the CALL line or the next statement.
    const back = await topFrame(dc);
    expect(back.name).toBe('tick');
    expect([call, call + 1]).toContain(back.line);
  });

  withClient('pauses a running program', async (dc) => {
    const errors = ctx.fx.jsSource.replace(/app\.js$/, 'errors.js');
    await start(dc, { program: errors, env: { KM_MODE: 'spin' } }, []);
    await dc.waitForEvent('output');
    await Promise.all([dc.pauseRequest({ threadId: 1 }), dc.assertStoppedLocation('pause', {})]);
    const st = await dc.stackTraceRequest({ threadId: 1 });
    expect(st.body.totalFrames).toBeGreaterThan(0);
  });

  withClient('stops on uncaught exceptions with exceptionInfo, and forwards stderr', async (dc) => {
    const errors = ctx.fx.jsSource.replace(/app\.js$/, 'errors.js');
    const stderr: string[] = [];
    dc.on('output', (e) => { if (e.body.category === 'stderr') stderr.push(String(e.body.output)); });
    const stopped = dc.waitForEvent('stopped');
    await start(dc, { program: errors }, [], ['uncaught']);
    expect((await stopped).body).toMatchObject({ reason: 'exception', text: expect.stringContaining('uncaught one') });
    expect((await topFrame(dc)).line).toBe(breakLine(errors, 'THROW'));
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    expect(info.body).toMatchObject({ exceptionId: 'TypeError', breakMode: 'unhandled', description: expect.stringContaining('uncaught one') });
    expect(stderr.join('')).toContain('about to work');
  });

  withClient('stops on caught exceptions only when asked for all', async (dc) => {
    const errors = ctx.fx.jsSource.replace(/app\.js$/, 'errors.js');
    const stopped = dc.waitForEvent('stopped');
    await start(dc, { program: errors, env: { KM_MODE: 'caught' } }, [], ['all']);
    expect((await stopped).body.text).toContain('caught one');
    expect((await dc.exceptionInfoRequest({ threadId: 1 })).body.breakMode).toBe('always');
  });
});
