// Launch field `trace` through the Microsoft DebugClient: a Python debuggee under the layer of a
// local target (layer/test/target-fixture.ts: a process in its own network namespace whose DNS
// server alone knows the name, and an HTTP service on the namespace's address)
// resolves a name and connects to it; both happen inside the target (by the agent), so the dns and
// tcp gadgets see them, and kmirror-dap streams them as `output` events of category
// `kmirror-trace` with the event as `data` — or as `kmirror/trace` events with `traceOutput: "event"`.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { createLayerTarget, type LayerTarget } from '../../../layer/test/target-fixture.js';
import { connectClient, FIXTURES, startServer, type TestServer } from './harness.js';

const PROGRAM = join(FIXTURES, 'py/trace_client.py');
let target: LayerTarget;
let server: TestServer;
let NAME: string;
let port: number;
let podIp: string;

beforeAll(async () => {
  target = await createLayerTarget();
  ({ dnsName: NAME, httpPort: port, podIp } = target);
  server = await startServer();
});

afterAll(async () => {
  await server?.close();
  target?.cleanup();
});

/** initialize → launch → configurationDone, then the events until the debuggee has ended. */
async function runToEnd(dc: DebugClient, launch: Record<string, unknown>): Promise<void> {
  await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await Promise.all([
    dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest()),
    dc.launchRequest(launch as never),
    dc.waitForEvent('terminated', 90_000),
  ]);
}

/** The trace keeps streaming after the program ended (until disconnect): wait for an event rather than race it. */
async function eventually<T>(what: string, find: () => T | undefined, context: () => string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${what} within 30 s: ${context()}`);
}

const launchArgs = (extra: Record<string, unknown>) => ({
  type: 'kmirror', request: 'launch', debugger: 'python', program: PROGRAM, args: [NAME, String(port)],
  target: `pid/${target.pid}`, targetTimeoutMs: 30_000, ...extra,
});

describe('launch field "trace"', () => {
  it("streams the debuggee's DNS lookup and connection as kmirror-trace output events", { timeout: 120_000 }, async () => {
    const dc = await connectClient(server.port);
    const trace: Array<Record<string, any>> = [];
    const lines: string[] = [];
    let programOutput = '';
    let otherOutput = '';
    dc.on('output', (e: DebugProtocol.OutputEvent) => {
      if (e.body.category === 'kmirror-trace') {
        trace.push(e.body.data as Record<string, any>);
        lines.push(e.body.output);
      } else if (e.body.category === 'stdout') programOutput += e.body.output;
      else otherOutput += e.body.output;
    });
    try {
      await runToEnd(dc, launchArgs({ trace: ['dns', 'tcp'] }));
      expect(programOutput, `${otherOutput}\n${lines.join('')}`).toContain(`connected to ${podIp}`);
      expect(trace[0]).toMatchObject({ started: ['dns', 'tcp'] });
      const context = (): string => JSON.stringify(trace).slice(0, 3000);
      await eventually('DNS query', () => trace.find((e) => e.gadget === 'dns' && e.kind === 'query' && e.name === NAME), context);
      const answer = await eventually('DNS answer', () => trace.find((e) => e.gadget === 'dns' && e.kind === 'answer' && e.name === NAME), context);
      expect(answer.answers).toContainEqual(expect.objectContaining({ type: 'A', data: podIp }));
      expect(answer.rcode).toBe('NOERROR');
      const connect = await eventually('connect', () => trace.find((e) => e.gadget === 'tcp' && e.kind === 'connect' && e.remote?.port === port), context);
      expect(connect).toMatchObject({ remote: { address: podIp, port } });
      expect(lines.some((l) => l.startsWith('[dns] ') && l.includes(NAME))).toBe(true);
      expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
      await dc.disconnectRequest({});
    } finally {
      await dc.stop();
    }
  });

  it('sends kmirror/trace events instead with traceOutput "event"', { timeout: 120_000 }, async () => {
    const dc = await connectClient(server.port);
    const custom: Array<{ line: string; data: Record<string, any> }> = [];
    let traceOutputs = 0;
    dc.on('kmirror/trace', (e: DebugProtocol.Event) => custom.push(e.body as { line: string; data: Record<string, any> }));
    dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'kmirror-trace') traceOutputs++; });
    try {
      await runToEnd(dc, launchArgs({ trace: ['tcp'], traceOutput: 'event' }));
      const connect = await eventually('connect', () => custom.find((e) => e.data.gadget === 'tcp' && e.data.kind === 'connect' && e.data.remote?.port === port), () => JSON.stringify(custom).slice(0, 3000));
      expect(connect.line).toMatch(/^\[tcp\] .* connect /);
      expect(traceOutputs).toBe(0);
      await dc.disconnectRequest({});
    } finally {
      await dc.stop();
    }
  });

  it('refuses "trace" without a target', async () => {
    const dc = await connectClient(server.port);
    try {
      await dc.initializeRequest({ adapterID: 'kmirror', pathFormat: 'path' });
      await expect(dc.launchRequest({ type: 'kmirror', request: 'launch', program: PROGRAM, trace: ['dns'] } as never))
        .rejects.toThrow('launch configuration field "trace" needs a target to trace');
    } finally {
      await dc.stop();
    }
  });
});
