// Snapshot mode (launch field `nonBreaking`, issue 11): breakpoints record the stack and variables
// as `output` events and the program never stays stopped. Node: remote attach to a service in its
// own network namespace (the bridge's CDP fast path for the first hit, then the capture in the breakpoint's condition). Any other backend: the generic DAP layer,
// shown with dlv on the Go fixture (the program loops 3 times and must exit by itself).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { runWhilePoking } from '#test/harness/headless-run.js';
import { breakLine, buildFixtures, connectClient, startServer, type Fixtures, type TestServer } from './harness.js';
import { attachToPid, copyToRoots, fetchText, serviceReady } from './remote-service.js';
import type { SnapshotBody } from '../backends/snapshot/snapshot.js';

let ns: TestNetns;
let server: TestServer;
let fx: Fixtures;
let dir: string;
let localFile: string;
let service: { pid: number; port: number };

/** Collects snapshots and counts `stopped` events of a client. */
function watch(dc: DebugClient): { snapshots: SnapshotBody[]; lines: string[]; stopped: number; next(n: number): Promise<void> } {
  const seen = { snapshots: [] as SnapshotBody[], lines: [] as string[], stopped: 0, waiters: [] as Array<() => void> };
  dc.on('stopped', () => { seen.stopped++; });
  dc.on('output', (e: DebugProtocol.OutputEvent) => {
    const data = e.body.data as SnapshotBody | undefined;
    if (data?.kind !== 'kmirror/snapshot') return;
    seen.snapshots.push(data);
    seen.lines.push(e.body.output);
    for (const w of seen.waiters.splice(0)) w();
  });
  return {
    get snapshots() { return seen.snapshots; }, get lines() { return seen.lines; }, get stopped() { return seen.stopped; },
    next: async (n) => { while (seen.snapshots.length < n) await new Promise<void>((r) => seen.waiters.push(r)); },
  };
}

beforeAll(async () => {
  requireRoot();
  fx = buildFixtures();
  ({ dir, localFile } = copyToRoots('remote-attach/server.js', 'km-snapshot-'));
  ns = createNetns();
  service = await serviceReady(ns.spawn(process.execPath, [join(dir, 'app', 'server.js')], { env: { PATH: process.env.PATH } }));
  server = await startServer();
}, 120_000);
afterAll(async () => {
  await server?.close();
  ns?.cleanup();
  fx?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('snapshot breakpoints ("nonBreaking": true)', () => {
  it('Node remote attach: every hit is a snapshot with locals and stack, every request is answered, no stop', { timeout: 90_000 }, async () => {
    const dc = await connectClient(server.port);
    const seen = watch(dc);
    const line = breakLine(localFile);
    try {
      await Promise.all([dc.waitForEvent('initialized'), attachToPid(dc, 'node', service.pid, { nonBreaking: true, localRoot: join(dir, 'local'), remoteRoot: join(dir, 'app') })]);
      expect((await dc.setBreakpointsRequest({ source: { path: localFile }, breakpoints: [{ line }] })).body.breakpoints[0]?.verified).toBe(true);
      await dc.configurationDoneRequest();
      // Sequential requests: each is answered while the breakpoint is set (none waits for a continue).
      const answers: string[] = [];
      for (let i = 1; i <= 5; i++) answers.push(await fetchText(ns.podIp, service.port, `/snap${i}`));
      expect(answers.map((a) => a.replace(/ #\d+\n$/, ''))).toEqual([1, 2, 3, 4, 5].map((i) => `hello /snap${i}`));
      await seen.next(5);
      const first = seen.snapshots[0]!;
      expect(first).toMatchObject({ kind: 'kmirror/snapshot', seq: 1, capture: 'node-cdp', path: localFile, line, threadId: 1 });
      const locals = first.scopes.find((s) => s.name === 'Locals')!;
      expect(locals.variables).toContainEqual(expect.objectContaining({ name: 'greeting', value: '"hello /snap1"', type: 'string' }));
      const req = locals.variables.find((v) => v.name === 'req')!;
      expect(req.type).toBe('IncomingMessage');
      expect(first.scopes.find((s) => s.name === 'Closure')?.variables.map((v) => v.name)).toContain('served');
      expect(first.stack[0]).toMatchObject({ path: localFile, line });
      expect(first.stack.length).toBeGreaterThan(1);
      expect(first.pauseMs).toBeGreaterThan(0);
      expect(seen.snapshots.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(seen.lines[1]).toMatch(/^snapshot #2 at server\.js:\d+ in .* \(paused \d+\.\d+ ms\): .*greeting="hello \/snap2"/);
      // After the first (paused) hit the breakpoint's condition captures in the program without pausing: the same record.
      for (let i = 6; !seen.snapshots.some((x) => x.capture === 'node-condition') && i < 100; i++) await fetchText(ns.podIp, service.port, `/snap${i}`);
      const inPlace = seen.snapshots.find((x) => x.capture === 'node-condition')!;
      expect(inPlace).toMatchObject({ kind: 'kmirror/snapshot', path: localFile, line, threadId: 1, function: first.function });
      expect(inPlace.stack.map((f) => [f.path, f.line])).toEqual(first.stack.map((f) => [f.path, f.line]));
      const inPlaceLocals = inPlace.scopes.find((s) => s.name === 'Locals')!.variables;
      expect(inPlaceLocals).toContainEqual(expect.objectContaining({ name: 'greeting', value: `"hello /snap${inPlace.seq}"`, type: 'string' }));
      expect(inPlaceLocals.find((v) => v.name === 'req')).toMatchObject({ type: 'IncomingMessage', children: expect.arrayContaining([expect.objectContaining({ name: 'method', value: '"GET"' })]) });
      // served: read before the line increments it
      expect(inPlace.scopes.find((s) => s.name === 'Closure')?.variables).toContainEqual(expect.objectContaining({ name: 'served', value: String(inPlace.seq - 1) }));
      expect(inPlace.pauseMs).toBeGreaterThan(0);
      expect(seen.stopped).toBe(0);
      await dc.disconnectRequest({});
    } finally {
      await dc.stop();
    }
    expect(await fetchText(ns.podIp, service.port, '/after')).toMatch(/^hello \/after #\d+\n$/);
    // Detached: the capture helper and its binding are gone from the program.
    const check = await connectClient(server.port);
    try {
      await Promise.all([check.waitForEvent('initialized'), attachToPid(check, 'node', service.pid)]);
      await check.configurationDoneRequest();
      const left = await check.evaluateRequest({ expression: "typeof globalThis[Symbol.for('kmirror.snapshot')] + ' ' + typeof globalThis.__kmirrorSnapshot", context: 'repl' });
      expect(left.body.result).toBe('"undefined undefined"');
      await check.disconnectRequest({});
    } finally {
      await check.stop();
    }
  });

  it('any backend (dlv): the generic layer captures through DAP and continues; the program ends by itself', { timeout: 120_000 }, async () => {
    const dc = await connectClient(server.port);
    const seen = watch(dc);
    const line = breakLine(fx.goSource);
    try {
      await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
      const exited = dc.waitForEvent('exited', 60_000);
      await Promise.all([
        dc.waitForEvent('initialized').then(() => dc.setBreakpointsRequest({ source: { path: fx.goSource }, breakpoints: [{ line }] })).then(() => dc.configurationDoneRequest()),
        dc.launchRequest({ type: 'kmirror', request: 'launch', program: fx.goBinary, env: { KM_GREETING: 'snap' }, nonBreaking: true } as DebugProtocol.LaunchRequestArguments),
      ]);
      expect((await exited).body.exitCode).toBe(0);
      await seen.next(3);
      expect(seen.snapshots.map((s) => s.seq)).toEqual([1, 2, 3]);
      const last = seen.snapshots[2]!;
      expect(last).toMatchObject({ capture: 'dap', path: fx.goSource, line, function: 'main.main' });
      const vars = last.scopes.flatMap((s) => s.variables);
      expect(vars).toContainEqual(expect.objectContaining({ name: 'greeting', value: '"snap"' }));
      expect(vars).toContainEqual(expect.objectContaining({ name: 'count', value: '2' }));
      expect(last.pauseMs).toBeGreaterThan(0);
      expect(seen.stopped).toBe(0);
    } finally {
      await dc.stop();
    }
  });
});

describe('kmirror-dap run --attach --non-breaking --json', () => {
  it('prints one snapshot line per hit and ends after --count, the service answering throughout', { timeout: 90_000 }, async () => {
    const bundle = fileURLToPath(new URL('../../../dist/kmirror-dap.js', import.meta.url));
    const line = breakLine(localFile);
    const { code, events } = await runWhilePoking(bundle, ['run', '--attach', '--non-breaking', '--target', `pid/${service.pid}`, '--break', `server.js:${line}`,
      '--local-root', '.', '--remote-root', join(dir, 'app'), '--count', '2', '--json'], join(dir, 'local'),
    async () => expect(await fetchText(ns.podIp, service.port, '/cli')).toMatch(/^hello \/cli #\d+\n$/), 50);
    expect(code).toBe(0);
    const snapshots = events.filter((e) => e.event === 'snapshot');
    expect(snapshots.map((s) => s.seq)).toEqual([1, 2]);
    expect(snapshots[0]).toMatchObject({ path: localFile });
    expect(snapshots[0]!.scopes![0]!.variables).toContainEqual(expect.objectContaining({ name: 'greeting', value: '"hello /cli"' }));
    expect(events.at(-1)).toMatchObject({ event: 'end', reason: 'count', hits: 2 });
  });
});
