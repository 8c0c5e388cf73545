// Each real backend driven through kmirror-dap by Microsoft's DebugClient, without a target:
// launch → breakpoint → stackTrace/scopes/variables/evaluate → continue → stopped again →
// clear breakpoints → continue → terminated.
import { describe, expect, it } from 'vitest';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { breakLine, connectClient, useFixturesAndServer } from './harness.js';

const ctx = useFixturesAndServer();

interface Case {
  name: string;
  launch: () => Record<string, unknown>;
  source: () => string;
  verified?: boolean;
}

const GREETING = 'hello-kmirror';
const cases: Case[] = [
  { name: 'go (dlv exec)', launch: () => ({ program: ctx.fx.goBinary }), source: () => ctx.fx.goSource },
  { name: 'go (dlv debug of the package dir)', launch: () => ({ program: `${ctx.fx.dir}/go`, debugger: 'go' }), source: () => ctx.fx.goSource },
  { name: 'python (debugpy)', launch: () => ({ program: ctx.fx.pySource }), source: () => ctx.fx.pySource },
  { name: 'c (lldb)', launch: () => ({ program: ctx.fx.cBinary }), source: () => ctx.fx.cSource },
  { name: 'node (CDP bridge)', launch: () => ({ program: ctx.fx.jsSource }), source: () => ctx.fx.jsSource, verified: false },
];

async function variableNamed(dc: DebugClient, frameId: number, name: string): Promise<string> {
  const scopes = await dc.scopesRequest({ frameId });
  for (const scope of scopes.body.scopes) {
    if (scope.expensive) continue;
    const vars = await dc.variablesRequest({ variablesReference: scope.variablesReference });
    const found = vars.body.variables.find((v) => v.name === name);
    if (found) return found.value;
  }
  throw new Error(`variable ${name} not in any scope`);
}

describe.each(cases)('$name through kmirror-dap', (c) => {
  it('stops at a breakpoint, shows variables, evaluates, continues to the end', { timeout: 60_000 }, async () => {
    const dc = await connectClient(ctx.server.port);
    try {
      const path = c.source();
      const line = breakLine(path);
      const output: string[] = [];
      dc.on('output', (e) => output.push(String(e.body.output)));
      await dc.hitBreakpoint({ type: 'kmirror', request: 'launch', ...c.launch(), env: { KM_GREETING: GREETING } },
        { path, line, verified: c.verified ?? true }, { path, line });
      const threads = await dc.threadsRequest();
      const threadId = threads.body.threads[0]!.id;
      const st = await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 20 });
      const frame = st.body.stackFrames[0]!;
      expect(frame.line).toBe(line);
      expect(await variableNamed(dc, frame.id, 'greeting')).toContain(GREETING);
      expect(await variableNamed(dc, frame.id, 'count')).toMatch(/^0\b/);
      const ev = await dc.evaluateRequest({ expression: 'count + 100', frameId: frame.id, context: 'repl' });
      expect(ev.body.result).toMatch(/\b100$/);

      await Promise.all([dc.continueRequest({ threadId }), dc.waitForEvent('stopped')]);
      const st2 = await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 });
      expect(await variableNamed(dc, st2.body.stackFrames[0]!.id, 'count')).toMatch(/^1\b/);

      await dc.setBreakpointsRequest({ source: { path }, breakpoints: [] });
      await Promise.all([dc.continueRequest({ threadId }), dc.waitForEvent('terminated')]);
      expect(output.join('')).toContain(`greeting=${GREETING} count=2`);
    } finally {
      await dc.stop();
    }
  });
});

// Stop as VS Code does: `terminate` when the capabilities (initialize, then the `capabilities` event)
// promise it, else `disconnect`; the session must end either way (dlv answers terminate "Not yet implemented").
describe.each(cases)('$name: Stop the way VS Code does', (c) => {
  it('ends the session with terminated', { timeout: 60_000 }, async () => {
    const dc = await connectClient(ctx.server.port);
    let capabilities: Record<string, unknown> = {};
    dc.on('capabilities', (e) => { capabilities = { ...capabilities, ...(e.body as { capabilities: Record<string, unknown> }).capabilities }; });
    try {
      const path = c.source();
      const line = breakLine(path);
      capabilities = { ...(await dc.initializeRequest()).body };
      const launch: DebugProtocol.LaunchRequestArguments & Record<string, unknown> = { type: 'kmirror', request: 'launch', ...c.launch(), env: { KM_GREETING: GREETING, KM_FOREVER: '1' } };
      await Promise.all([
        dc.launchRequest(launch),
        dc.waitForEvent('initialized').then(() => dc.setBreakpointsRequest({ source: { path }, breakpoints: [{ line }] })).then(() => dc.configurationDoneRequest()),
        dc.waitForEvent('stopped'),
      ]);
      const terminated = dc.waitForEvent('terminated');
      if (capabilities.supportsTerminateRequest === true) await dc.terminateRequest({});
      else await dc.disconnectRequest({ terminateDebuggee: true });
      await terminated;
    } finally {
      await dc.stop();
    }
  });
});
