// Cluster-connected debugging end to end, with a local target: a process inside a fresh network
// namespace (test/harness/netns.ts) is the target, the agent runs locally (startLocalAgent via the
// workstation session), and each real backend debugs a program started under the kmirror layer.
// The value at the breakpoint (KM_GREETING) exists only in the target process's environment.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { createNetns, requireRoot, spawnSleepTarget, type TestNetns } from '#test/harness/netns.js';
import { breakLine, buildFixtures, connectClient, launchToBreakpoint, startServer, type Fixtures, type TestServer } from './harness.js';

const TARGET_GREETING = `from-target-${randomBytes(4).toString('hex')}`;
let fx: Fixtures;
let server: TestServer;
let ns: TestNetns;
let targetPid: number;

beforeAll(async () => {
  requireRoot();
  fx = buildFixtures();
  ns = createNetns();
  targetPid = await spawnSleepTarget(ns, { KM_GREETING: TARGET_GREETING });
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
  ns?.cleanup();
  fx?.cleanup();
});

async function variableNamed(dc: DebugClient, frameId: number, name: string): Promise<string> {
  for (const scope of (await dc.scopesRequest({ frameId })).body.scopes) {
    if (scope.expensive) continue;
    const found = (await dc.variablesRequest({ variablesReference: scope.variablesReference })).body.variables.find((v) => v.name === name);
    if (found) return found.value;
  }
  throw new Error(`variable ${name} not in any scope`);
}

const cases = [
  { name: 'go (dlv attaches to the program under the layer)', program: () => fx.goBinary, source: () => fx.goSource },
  { name: 'python (debugpy launcher under the layer)', program: () => fx.pySource, source: () => fx.pySource },
  { name: 'c (lldb attaches to the program under the layer)', program: () => fx.cBinary, source: () => fx.cSource },
  { name: 'node (node --inspect-brk under the layer)', program: () => fx.jsSource, source: () => fx.jsSource },
];

describe.each(cases)('$name with target pid/N', (c) => {
  it('stops at a breakpoint where the value came from the target', { timeout: 90_000 }, async () => {
    const dc = await connectClient(server.port);
    const events: string[] = [];
    dc.on('kmirror/status', () => events.push('kmirror/status'));
    dc.on('progressStart', () => events.push('progressStart'));
    dc.on('progressEnd', () => events.push('progressEnd'));
    try {
      const path = c.source();
      const line = breakLine(path);
      await launchToBreakpoint(dc, {
        type: 'kmirror', request: 'launch', program: c.program(), target: `pid/${targetPid}`,
        // No KM_FOREVER: the program runs 3 iterations, so the first one must be caught (held at start for dlv/lldb).
        targetTimeoutMs: 30_000,
      }, { path, line }, { supportsProgressReporting: true });
      const threadId = (await dc.threadsRequest()).body.threads[0]!.id;
      const frame = (await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 5 })).body.stackFrames[0]!;
      expect(await variableNamed(dc, frame.id, 'greeting')).toContain(TARGET_GREETING);
      const ev = await dc.evaluateRequest({ expression: 'count + 100', frameId: frame.id, context: 'repl' });
      expect(ev.body.result).toMatch(/\b100$/); // count is 0: stopped in the first iteration
      expect(events).toEqual(expect.arrayContaining(['progressStart', 'progressEnd', 'kmirror/status']));
      // The debuggee runs under the layer: its launcher registered with the session's local proxy.
      const status = await dc.customRequest('kmirror/status');
      expect(status.body).toMatchObject({ target: `pid/${targetPid}`, agent: 'ready' });
      expect((status.body as { proxy: { layers: number } }).proxy.layers).toBeGreaterThanOrEqual(1);
      await dc.disconnectRequest({ terminateDebuggee: true });
    } finally {
      await dc.stop();
    }
  });
});
