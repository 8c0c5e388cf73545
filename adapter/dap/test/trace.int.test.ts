// Launch field `trace` through the Microsoft DebugClient: a Python debuggee under the layer of a
// local target (a process in its own network and mount namespaces, with a DNS server inside)
// resolves a name and connects to it; both happen inside the target (by the agent), so the dns and
// tcp gadgets see them, and kmirror-dap streams them as `output` events of category
// `kmirror-trace` with the event as `data` — or as `kmirror/trace` events with `traceOutput: "event"`.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { closeFixtures, dnsServerInside, startTargetProcess, tcpServerInside, type TargetProcess } from '../../../agent/test/helpers/target-fixture.js';
import { connectClient, FIXTURES, startServer, type TestServer } from './harness.js';

const NAME = 'svc.trace.test';
const PROGRAM = join(FIXTURES, 'py/trace_client.py');
let ns: TestNetns;
let target: TargetProcess;
let server: TestServer;
let port: number;

beforeAll(async () => {
  requireRoot();
  ns = createNetns();
  await dnsServerInside(ns, '127.0.0.1:53', { [NAME]: ns.podIp });
  target = await startTargetProcess(ns, { env: {}, resolvConf: 'nameserver 127.0.0.1\n', hosts: '127.0.0.1 localhost\n', mntFiles: {} });
  ({ port } = await tcpServerInside(ns, (s) => s.resume(), '0.0.0.0'));
  server = await startServer();
});

afterAll(async () => {
  await server?.close();
  closeFixtures();
  target?.cleanup();
  ns?.cleanup();
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
    dc.on('output', (e: DebugProtocol.OutputEvent) => {
      if (e.body.category === 'kmirror-trace') {
        trace.push(e.body.data as Record<string, any>);
        lines.push(e.body.output);
      } else if (e.body.category === 'stdout') programOutput += e.body.output;
    });
    try {
      await runToEnd(dc, launchArgs({ trace: ['dns', 'tcp'] }));
      expect(programOutput).toContain(`connected to ${ns.podIp}`);
      expect(trace[0]).toMatchObject({ started: ['dns', 'tcp'] });
      const query = trace.find((e) => e.gadget === 'dns' && e.kind === 'query' && e.name === NAME);
      const answer = trace.find((e) => e.gadget === 'dns' && e.kind === 'answer' && e.name === NAME);
      expect(query, JSON.stringify(trace)).toBeDefined();
      expect(answer?.answers).toContainEqual(expect.objectContaining({ type: 'A', data: ns.podIp }));
      expect(answer?.rcode).toBe('NOERROR');
      const connect = trace.find((e) => e.gadget === 'tcp' && e.kind === 'connect' && e.remote?.port === port);
      expect(connect, JSON.stringify(trace)).toMatchObject({ remote: { address: ns.podIp, port } });
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
      const connect = custom.find((e) => e.data.gadget === 'tcp' && e.data.kind === 'connect' && e.data.remote?.port === port);
      expect(connect?.line).toMatch(/^\[tcp\] .* connect /);
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
