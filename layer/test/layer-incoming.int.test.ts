// Incoming traffic through the layer: a local program listens on a port; the session subscribes
// the mapped target port at the agent (port_mapping [[local, remote]]). Steal: a request made
// to the target (from the host side of its veth, as a client of a pod would) reaches the local
// program and gets its answer. Mirror: the target's own server answers, and the local program
// receives a copy of the request. Readiness: a program's listen() returns only once the
// subscription is active, so its very first request is already stolen. Loopback-bound listeners
// are subscribed unless incoming.ignore_localhost (mirrord's semantics; see parity/listen-localhost).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '#test/harness/free-port.js';
import { openWorkstationSession, type WorkstationSession } from '#runtime/session/workstation-session.js';
import { appsDir, repoRoot } from './build-apps.js';
import { createLayerTarget, parseKv, runToEnd, type LayerTarget } from './target-fixture.js';

let target: LayerTarget;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  target = await createLayerTarget();
  // The target's own servers ("the original app") on 8081 to 8085.
  for (const port of [8081, 8082, 8083, 8084, 8085]) {
    const original = target.ns.spawn(process.execPath, ['-e',
      `require('http').createServer((q, s) => s.end('original-answer ' + q.url + '\\n')).listen(${port}, '${target.podIp}', () => console.log('ready'))`]);
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: original.stdout! }).once('line', () => resolve());
      original.once('exit', (c) => reject(new Error(`original server exited ${c}`)));
    });
  }
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  target?.cleanup();
});

/** Asynchronous: the session (agent client + local proxy) runs in this process and must keep serving. */
async function curl(url: string): Promise<string> {
  return (await promisify(execFile)('curl', ['-sS', '-m', '10', url], { encoding: 'utf8' })).stdout;
}

async function waitFor<T>(what: string, ms: number, probe: () => T | undefined): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startListener(mode: 'steal' | 'mirror', remotePort: number): Promise<{ session: WorkstationSession; app: ChildProcess; lines: string[] }> {
  const localPort = await freePort('127.0.0.1');
  const session = await openWorkstationSession({
    config: { target: `pid/${target.pid}`, feature: { network: { incoming: { mode, port_mapping: [[localPort, remotePort]] } } } },
    log: { log: () => undefined },
    cwd: repoRoot,
  });
  cleanups.push(() => session.close());
  const w = session.wrapCommand([process.execPath, join(appsDir, 'listener.mjs'), String(localPort)]);
  const app = spawn(w.command, w.args, { env: w.env, stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => { app.kill('SIGKILL'); });
  const lines: string[] = [];
  createInterface({ input: app.stdout! }).on('line', (l) => lines.push(l));
  await waitFor('local listener', 20_000, () => (lines.includes('listening') ? true : undefined));
  await waitFor(`${mode} subscription of port ${remotePort}`, 20_000, () => {
    const sub = session.status().proxy.incoming.find((s) => s.port === remotePort);
    if (sub?.state === 'failed') throw new Error(`subscription failed: ${sub.error}`);
    return sub?.state === 'active' ? sub : undefined;
  });
  return { session, app, lines };
}

describe('incoming traffic to a program under the layer', () => {
  it('steal: a request to the target is answered by the local program', async () => {
    const { session, lines } = await startListener('steal', 8081);
    const answer = await curl(`http://${target.podIp}:8081/stolen`);
    expect(answer.trim()).toBe('local-answer /stolen');
    expect(lines).toContain('got GET /stolen');
    expect(session.status().proxy.incoming[0]).toMatchObject({ port: 8081, mode: 'steal', connections: 1 });
  });

  it('mirror: the target answers, the local program receives a copy', async () => {
    const { lines } = await startListener('mirror', 8082);
    const answer = await curl(`http://${target.podIp}:8082/mirrored`);
    expect(answer.trim()).toBe('original-answer /mirrored');
    await waitFor('mirrored request at the local program', 10_000, () => (lines.includes('got GET /mirrored') ? true : undefined));
  });
});

/** A session stealing `remotePort` (as `localPort`) and listen_then_request.py bound to `host` under it. */
async function listenThenRequest(host: string, remotePort: number, extra: { http_filter?: { path_filter: string }; ignore_localhost?: boolean } = {}) {
  const localPort = await freePort('127.0.0.1');
  const session = await openWorkstationSession({
    config: { target: `pid/${target.pid}`, feature: { network: { incoming: { mode: 'steal', port_mapping: [[localPort, remotePort]], ...extra } } } },
    log: { log: () => undefined },
    cwd: repoRoot,
  });
  cleanups.push(() => session.close());
  const w = session.wrapCommand(['python3', join(appsDir, 'listen_then_request.py'), host, String(localPort), target.podIp, String(remotePort)]);
  const r = await runToEnd(w, { timeoutMs: 30_000 });
  expect(r.timedOut, `timed out:\n${r.stdout}\n${r.stderr}`).toBe(false);
  expect(r.code, r.stderr).toBe(0);
  return { session, kv: parseKv(r.stdout), stdout: r.stdout, stderr: r.stderr };
}

describe('listen() and the subscription', () => {
  it('listen() returns once the steal is active: the first request made right after it is stolen', async () => {
    const { session, kv, stdout } = await listenThenRequest('0.0.0.0', 8083);
    expect(kv.answer).toBe('local-answer /first');
    expect(stdout).toContain('got GET /first HTTP/1.1');
    expect(session.status().proxy.incoming).toMatchObject([{ port: 8083, mode: 'steal', state: 'active', connections: 1 }]);
  });

  it('with ignore_localhost, a listener bound to loopback is not subscribed: the target keeps answering', async () => {
    const { session, kv } = await listenThenRequest('127.0.0.1', 8084, { ignore_localhost: true });
    expect(kv.answer).toBe('original-answer /first');
    expect(session.status().proxy.incoming).toEqual([]);
  });

  it('a subscription the agent refuses: listen() still succeeds locally, with one log line', async () => {
    // An http_filter regex the agent cannot compile makes it refuse the steal.
    const { session, kv, stderr } = await listenThenRequest('0.0.0.0', 8085, { http_filter: { path_filter: '(' } });
    expect(kv.answer).toBe('original-answer /first');
    expect(stderr.match(/kmirror-layer\[\d+\] warn: port \d+ listens locally only: cannot steal target port 8085/g)).toHaveLength(1);
    expect(session.status().proxy.incoming).toMatchObject([{ port: 8085, state: 'failed' }]);
  });
});
