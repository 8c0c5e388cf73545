// Many developers on one local target (issue 13): `kmirror exec` sessions on one pid/N target
// share one agent, each HTTP filter is its own route on the shared port, requests matching no
// filter reach the target's own server, collisions are reported (overlap, unfiltered vs
// filtered), a session killed with -9 loses its routes while the others keep theirs, and every
// mirroring session gets the copy.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAgentKey, sweepStaleLocalAgents, waitPidGone } from '#runtime/placement/local-shared-agent.js';
import { listLocalTargetSessions } from '#runtime/sessions/list-sessions.js';
import { createLayerTarget, type LayerTarget } from '../../layer/test/target-fixture.js';
import { get, sharedAgentPids, startActiveSession, startExecSession, stopAllSessions, type ExecSession } from './exec-session.js';

/** Polls for an event; the generous bound only turns a hang into a named failure. */
async function until(what: string, reached: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await reached())) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let target: LayerTarget;
let spec: string;
let key: string;

beforeAll(async () => {
  target = await createLayerTarget();
  spec = `pid/${target.pid}`;
  key = localAgentKey({ kind: 'pid', pid: target.pid });
});

afterAll(async () => {
  await stopAllSessions();
  for (const pid of key ? sharedAgentPids(key) : []) if (!(await waitPidGone(pid, 5_000))) process.kill(pid, 'SIGKILL');
  await sweepStaleLocalAgents();
  target?.cleanup();
});

const filter = (user: string): Record<string, unknown> => ({ mode: 'steal', http_filter: { header_filter: `^x-user: ${user}$` } });

describe('three filtered sessions on one port of a pid/N target', () => {
  const sessions: Record<string, ExecSession> = {};

  it('share one agent; each request is answered once, by the session whose filter matches or by the target', async () => {
    for (const user of ['alice', 'bob', 'carol']) sessions[user] = await startActiveSession(spec, user, 8080, filter(user));
    expect(sharedAgentPids(key)).toHaveLength(1);
    const sent: Array<{ user?: string; path: string }> = [];
    for (let i = 0; i < 8; i++) for (const user of ['alice', 'bob', 'carol', undefined]) sent.push({ ...(user ? { user } : {}), path: `/r${i}-${user ?? 'none'}` });
    const answers = await Promise.all(sent.map((r) => get(target.podIp, 8080, r.path, r.user ? { 'x-user': r.user } : {})));
    sent.forEach((r, i) => {
      // Unmatched requests reach the target's own server (over the agent's pass-through connection).
      expect(answers[i]).toMatch(r.user ? new RegExp(`^${r.user} ${r.path}$`) : new RegExp(`^hello from the pod: GET ${r.path} peer=`));
    });
    for (const user of ['alice', 'bob', 'carol']) {
      expect(sessions[user]!.got.filter((p) => p.startsWith('/r')).sort()).toEqual(sent.filter((r) => r.user === user).map((r) => r.path).sort());
    }
    // Requests for every session and for none, one after another on one keep-alive connection.
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (const user of ['carol', undefined, 'alice', 'bob', undefined, 'alice']) {
      const path = `/ka-${user ?? 'none'}`;
      expect(await get(target.podIp, 8080, path, user ? { 'x-user': user } : {}, keepAlive)).toMatch(user ? new RegExp(`^${user} ${path}$`) : /^hello from the pod: GET \/ka-none/);
    }
    keepAlive.destroy();
    const listed = await listLocalTargetSessions({ kind: 'pid', pid: target.pid });
    expect(listed.map((s) => s.subscriptions[0]?.filter)).toEqual(['alice', 'bob', 'carol'].map((u) => JSON.stringify({ header_filter: `^x-user: ${u}$` })));
    expect(listed[0]).toMatchObject({ user: expect.any(String), host: expect.any(String), since: expect.stringMatching(/^\d{4}-/) });
  });

  it('reports overlapping filters to both sessions; the first subscribed keeps the request', async () => {
    const wide = await startActiveSession(spec, 'wide', 8080, { mode: 'steal', http_filter: { header_filter: '^x-user: .*' } });
    const told = await wide.waitStderr(/warn: steal tcp\/8080: your http_filter/, 'overlap warning');
    expect(told).toMatch(/can both match one request \(e\.g\. GET \/ with x-user: alice\); such requests go to \S+@\S+ \(session \d+, pid \d+, since [\d-]+T[\d:]+Z\), which subscribed first/);
    await sessions.alice!.waitStderr(/warn: steal tcp\/8080: the http_filter \{"header_filter":"\^x-user: \.\*"\} of .* subscribed after yours/, 'overlap warning to the first');
    expect(await get(target.podIp, 8080, '/first-wins', { 'x-user': 'alice' })).toBe('alice /first-wins');
    expect(await get(target.podIp, 8080, '/only-wide', { 'x-user': 'dave' })).toBe('wide /only-wide');
    wide.kill();
    await new Promise((r) => wide.child.once('exit', r));
  });

  it('refuses an unfiltered steal of the shared port, naming the sessions that filter it', async () => {
    const plain = await startExecSession(spec, 'plain', 8080, { mode: 'steal' });
    const line = await plain.waitStderr(/cannot steal target port 8080/, 'refusal');
    expect(line).toMatch(/the port is shared by HTTP filters of \S+@\S+ \(session \d+, pid \d+, since [^)]+\), /);
    expect(line).toMatch(/set an http_filter to share the port/);
    expect(await get(target.podIp, 8080, '/still-alice', { 'x-user': 'alice' })).toBe('alice /still-alice');
    plain.kill();
  });

  it('a session killed with -9: its routes are removed, the others keep being served by the same agent', async () => {
    const [agentPid] = sharedAgentPids(key);
    sessions.bob!.kill('SIGKILL');
    // the agent drops the session when its connection closes
    await until("bob's routes removed", async () => {
      const listed = await listLocalTargetSessions({ kind: 'pid', pid: target.pid });
      return listed.every((s) => !s.subscriptions.some((x) => x.filter.includes('bob')));
    });
    expect(await get(target.podIp, 8080, '/after-bob', { 'x-user': 'bob' })).toMatch(/^hello from the pod: GET \/after-bob peer=/);
    expect(await get(target.podIp, 8080, '/still-carol', { 'x-user': 'carol' })).toBe('carol /still-carol');
    expect(sharedAgentPids(key)).toEqual([agentPid]);
  });
});

describe('mirror on a shared agent', () => {
  it('every mirroring session gets the copy; the target answers', async () => {
    const port = 8090;
    const original = target.ns.spawn(process.execPath, ['-e', `require('http').createServer((q, s) => s.end('original ' + q.url)).listen(${port}, '${target.podIp}', () => console.log('ready'))`]);
    await new Promise<void>((r) => original.stdout!.once('data', () => r()));
    const one = await startActiveSession(spec, 'm1', port, { mode: 'mirror' });
    const two = await startActiveSession(spec, 'm2', port, { mode: 'mirror' });
    expect(await get(target.podIp, port, '/copied')).toBe('original /copied');
    for (const [i, s] of [one, two].entries()) await until(`mirroring session ${i + 1} to get the copy`, () => s.got.includes('/copied'));
    expect(sharedAgentPids(key)).toHaveLength(1);
  });
});
