// Remote attach (issue 11), Node, with a local target: a Node HTTP service runs in its own network
// namespace from "remoteRoot" (its own copy of the sources); the editor's checkout is "localRoot".
// kmirror-dap attaches through the agent (SIGUSR1, inspector reached inside the netns), a request
// sent to the service stops at the breakpoint, and after detach the service answers as before.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { runWhilePoking } from '#test/harness/headless-run.js';
import { breakLine, connectClient, startServer, type TestServer } from './harness.js';
import { attachErrorOf, attachToPid, copyToRoots, fetchText, serviceReady } from './remote-service.js';

let ns: TestNetns;
let server: TestServer;
let dir: string;
let localFile: string;
let service: { pid: number; port: number };

/** A process that exists as long as the test checks it (kill(pid, 0) throws once it is gone). */
function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

beforeAll(async () => {
  requireRoot();
  ({ dir, localFile } = copyToRoots('remote-attach/server.js', 'km-remote-attach-'));
  ns = createNetns();
  service = await serviceReady(ns.spawn(process.execPath, [join(dir, 'app', 'server.js')], { env: { PATH: process.env.PATH } }));
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
  ns?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const attach = (dc: DebugClient, extra: Record<string, unknown>): Promise<void> => attachToPid(dc, 'node', service.pid, extra);
const attachError = (extra: Record<string, unknown>): Promise<string> => attachErrorOf(server.port, 'node', service.pid, extra);

describe('remote attach to a Node service in pid/N', () => {
  it('stops at a breakpoint hit by a request, reads variables, continues, detaches; the service keeps answering', { timeout: 90_000 }, async () => {
    const dc = await connectClient(server.port);
    const line = breakLine(localFile);
    try {
      await Promise.all([dc.waitForEvent('initialized'), attach(dc, { localRoot: join(dir, 'local'), remoteRoot: join(dir, 'app') })]);
      const bps = await dc.setBreakpointsRequest({ source: { path: localFile }, breakpoints: [{ line }] });
      expect(bps.body.breakpoints[0]?.verified).toBe(true);
      await dc.configurationDoneRequest();
      const answer = fetchText(ns.podIp, service.port, '/stopped');
      const stopped = await dc.waitForEvent('stopped');
      expect(stopped.body.reason).toBe('breakpoint');
      const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
      expect(frame.source?.path).toBe(localFile); // the remote path, mapped to the checkout
      expect(frame.line).toBe(line);
      const local = (await dc.scopesRequest({ frameId: frame.id })).body.scopes[0]!;
      const vars = (await dc.variablesRequest({ variablesReference: local.variablesReference })).body.variables;
      expect(vars.find((v) => v.name === 'greeting')?.value).toBe('"hello /stopped"');
      await dc.continueRequest({ threadId: 1 });
      expect(await answer).toBe('hello /stopped #1\n');
      await dc.disconnectRequest({});
    } finally {
      await dc.stop();
    }
    // Detached: no breakpoint left, not paused, same process.
    expect(await fetchText(ns.podIp, service.port, '/after')).toBe('hello /after #2\n');
    expect(alive(service.pid)).toBe(true);
  });

  it('refuses a second attach session to the same process, then allows one after detach', { timeout: 90_000 }, async () => {
    const first = await connectClient(server.port);
    try {
      await Promise.all([first.waitForEvent('initialized'), attach(first, {})]);
      expect(await attachError({})).toMatch(/already has a kmirror debug session attached/);
    } finally {
      await first.disconnectRequest({}).catch(() => undefined);
      await first.stop();
    }
    expect(await attachError({})).toBe('attached');
    expect(await fetchText(ns.podIp, service.port, '/busy')).toMatch(/^hello \/busy #\d+\n$/);
  });

  it('names a pid that is not in the target, and leaves the target alone', { timeout: 60_000 }, async () => {
    expect(await attachError({ processId: 999_999_999 })).toMatch(/no process 999999999 in the PID namespace of pid\//);
    expect(await fetchText(ns.podIp, service.port, '/nopid')).toMatch(/^hello \/nopid #\d+\n$/);
  });

  it('says plainly what cannot be attached: lldb in a target; a Go or Python attach to a Node process (the agent checks the process)', { timeout: 60_000 }, async () => {
    // The agent's refusal reaches the client as it is, not as an internal error.
    expect(await attachError({ debugger: 'python' })).toMatch(/^attach: process \d+ \(.*server\.js\) is not a Python interpreter \(its executable is .*node\); pick its debugger/);
    expect(await attachError({ debugger: 'lldb' })).toMatch(/"debugger": "lldb" cannot attach there/);
    // Go attach checks the process before any debugger is placed: this one is Node.
    expect(await attachError({ debugger: 'go' })).toMatch(/^attach: process \d+ \(.*server\.js\) is not a Go program: its executable .* has no Go build information/);
    expect(await fetchText(ns.podIp, service.port, '/unbuilt')).toMatch(/^hello \/unbuilt #\d+\n$/);
  });

  it('refuses a process without a SIGUSR1 handler without signalling it', { timeout: 60_000 }, async () => {
    const sleeper = ns.spawn('sleep', ['600']);
    await once(sleeper, 'spawn');
    expect(await attachError({ processId: sleeper.pid })).toMatch(/is not a Node process with an inspector: it has no SIGUSR1 handler/);
    expect(alive(sleeper.pid!)).toBe(true);
    expect(sleeper.exitCode).toBeNull();
  });

  it('gives up, bounded, on a process that handles SIGUSR1 but opens no inspector', { timeout: 60_000 }, async () => {
    const own = createNetns(); // 9229 there is free: the service's inspector stays open in `ns`
    const script = "trap 'echo usr1' USR1; echo ready; while :; do sleep 0.1; done";
    const shell = spawn('ip', ['netns', 'exec', own.name, 'bash', '-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    const neighbour = spawn('ip', ['netns', 'exec', ns.name, 'bash', '-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await Promise.all([once(shell.stdout!, 'data'), once(neighbour.stdout!, 'data')]);
      expect(await attachError({ target: `pid/${shell.pid}` })).toMatch(/no Node inspector on 127\.0\.0\.1:9229 within 5000 ms after SIGUSR1/);
      // Beside the service, whose inspector holds 9229: not mistaken for it, and not signalled.
      expect(await attachError({ processId: neighbour.pid })).toMatch(/belongs to process \d+, not to process \d+ .*was not signalled/);
      expect(shell.exitCode).toBeNull();
      expect(neighbour.exitCode).toBeNull();
    } finally {
      shell.kill('SIGKILL');
      neighbour.kill('SIGKILL');
      own.cleanup();
    }
  });
});

describe('kmirror-dap run --attach', () => {
  it('prints the value at a breakpoint hit by a request, then detaches leaving the service serving', { timeout: 90_000 }, async () => {
    const bundle = fileURLToPath(new URL('../../../dist/kmirror-dap.js', import.meta.url));
    const line = breakLine(localFile);
    const { code, events } = await runWhilePoking(bundle, ['run', '--attach', '--target', `pid/${service.pid}`, '--break', `server.js:${line}`, '--print', 'greeting',
      '--local-root', '.', '--remote-root', join(dir, 'app'), '--count', '1', '--json'], join(dir, 'local'), () => fetchText(ns.podIp, service.port, '/cli'), 50);
    expect(code).toBe(0);
    expect(events.find((e) => e.event === 'hit')).toMatchObject({ file: localFile, values: { greeting: '"hello /cli"' } });
    expect(await fetchText(ns.podIp, service.port, '/after-cli')).toMatch(/^hello \/after-cli #\d+\n$/);
  });
});
