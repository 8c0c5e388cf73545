// Remote attach (issue 11), Python started with debugpy listening, with a local target: the HTTP service runs in
// its own network namespace from "remoteRoot" and listens for a debugger on that namespace's 127.0.0.1 only.
// kmirror-dap reaches that debugpy through the agent (a TCP connection made inside the netns), a request sent to
// the service stops at the breakpoint set in "localRoot", and after detach the service answers as before.
import { type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { breakLine, connectClient, startServer, type TestServer } from './harness.js';
import { attachErrorOf, attachToPid, copyToRoots, fetchText, serviceReady } from './remote-service.js';

let ns: TestNetns;
let server: TestServer;
let dir: string;
let localFile: string;
let child: ChildProcess;
let service: { pid: number; port: number; debugPort: number };

beforeAll(async () => {
  requireRoot();
  ({ dir, localFile } = copyToRoots('remote-attach/server.py', 'km-remote-attach-py-'));
  ns = createNetns();
  // Debian's python3 has debugpy (python3-debugpy, installed by scripts/install-deps.sh).
  child = ns.spawn('/usr/bin/python3', ['-Xfrozen_modules=off', join(dir, 'app', 'server.py')], { env: { PATH: process.env.PATH } });
  service = await serviceReady<{ port: number; debugPort: number }>(child);
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
  ns?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const attach = (dc: DebugClient, extra: Record<string, unknown>): Promise<void> => attachToPid(dc, 'python', service.pid, extra);
const attachError = (extra: Record<string, unknown>): Promise<string> => attachErrorOf(server.port, 'python', service.pid, extra);

describe('remote attach to a Python service listening with debugpy in pid/N', () => {
  it('stops at a breakpoint hit by a request, reads variables, continues, detaches; the service keeps answering', { timeout: 90_000 }, async () => {
    const dc = await connectClient(server.port);
    const line = breakLine(localFile);
    try {
      // debugpy answers attach only after configurationDone.
      const initialized = dc.waitForEvent('initialized');
      const attached = attach(dc, { port: service.debugPort, localRoot: join(dir, 'local'), remoteRoot: join(dir, 'app') });
      await initialized;
      const bps = await dc.setBreakpointsRequest({ source: { path: localFile }, breakpoints: [{ line }] });
      expect(bps.body.breakpoints[0]?.verified).toBe(true);
      await dc.configurationDoneRequest();
      await attached;
      const answer = fetchText(ns.podIp, service.port, '/stopped');
      const stopped = await dc.waitForEvent('stopped') as DebugProtocol.StoppedEvent;
      expect(stopped.body.reason).toBe('breakpoint');
      const frame = (await dc.stackTraceRequest({ threadId: stopped.body.threadId! })).body.stackFrames[0]!;
      expect(frame.source?.path).toBe(localFile); // the remote path, mapped to the checkout
      expect(frame.line).toBe(line);
      expect((await dc.evaluateRequest({ expression: 'greeting', frameId: frame.id, context: 'watch' })).body.result).toBe("'hello /stopped'");
      await dc.continueRequest({ threadId: stopped.body.threadId! });
      expect(await answer).toBe('hello /stopped #1\n');
      await dc.disconnectRequest({});
    } finally {
      await dc.stop();
    }
    // Detached: no breakpoint left, not paused, same process.
    expect(await fetchText(ns.podIp, service.port, '/after')).toBe('hello /after #2\n');
    expect(child.exitCode).toBeNull();
  });

  it('"nonBreaking": requests are answered while each hit becomes a snapshot holding the local, never a stop', { timeout: 90_000 }, async () => {
    const dc = await connectClient(server.port);
    const snapshots: Array<{ line: number; path?: string; capture: string; scopes: Array<{ variables: Array<{ name: string; value: string }> }> }> = [];
    const notices: string[] = [];
    let stopped = 0;
    dc.on('output', (e: DebugProtocol.OutputEvent) => { const d = e.body.data as { kind?: string } | undefined; if (d?.kind === 'kmirror/snapshot') snapshots.push(d as never); else notices.push(e.body.output); });
    dc.on('stopped', () => { stopped++; });
    try {
      const initialized = dc.waitForEvent('initialized');
      const attached = attach(dc, { port: service.debugPort, localRoot: join(dir, 'local'), remoteRoot: join(dir, 'app'), nonBreaking: true });
      await initialized;
      await dc.setBreakpointsRequest({ source: { path: localFile }, breakpoints: [{ line: breakLine(localFile) }] });
      await dc.configurationDoneRequest();
      await attached;
      for (const path of ['/snap-a', '/snap-b']) expect(await fetchText(ns.podIp, service.port, path)).toMatch(new RegExp(`^hello ${path} #\\d+\n$`));
      while (snapshots.length < 2) await new Promise((r) => setTimeout(r, 20)); // each record follows its continue
      const greetings = snapshots.map((x) => x.scopes.flatMap((sc) => sc.variables).find((v) => v.name === 'greeting')?.value);
      expect(greetings).toEqual(["'hello /snap-a'", "'hello /snap-b'"]);
      expect(snapshots[0]).toMatchObject({ path: localFile, line: breakLine(localFile), capture: 'dap' });
      expect(stopped).toBe(0);
      expect(notices.join('')).toMatch(/snapshot mode \("nonBreaking"\)/);
      await dc.disconnectRequest({});
    } finally {
      await dc.stop();
    }
    expect(await fetchText(ns.podIp, service.port, '/after-snap')).toMatch(/^hello \/after-snap #\d+\n$/);
  });

  it('says where debugpy is missing, and that attach by pid needs a Kubernetes target', { timeout: 60_000 }, async () => {
    // Port 1: nothing listens there in the service's own network namespace.
    expect(await attachError({ port: 1 })).toMatch(/no debugpy listening on 127\.0\.0\.1:1 in pid\/\d+ .*start the program with `python -m debugpy --listen 127\.0\.0\.1:1 /);
    // Without "port": attach by pid, which places a debugger container (test/e2e/remote-attach-python.e2e.test.ts).
    expect(await attachError({})).toMatch(/attach with a debugger container needs a Kubernetes target \(pod\/NAME, deploy\/NAME, …\), not pid\/\d+/);
    expect(await fetchText(ns.podIp, service.port, '/still')).toMatch(/^hello \/still #\d+\n$/);
  });
});
