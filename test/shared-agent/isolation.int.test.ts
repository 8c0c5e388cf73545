// A session of a shared agent cannot touch another session's subscription: a bare tunnel client
// that joins with the token sends Unsubscribe, Close and data on the stream ids the first session
// uses, and tries to take the port over with an unfiltered steal — the first session keeps its
// route (its requests still reach it), and the steal is refused naming the first session.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FrameDecoder, encodeFrame } from '#proto/runtime/framing.js';
import type { Frame, Msg } from '#proto/runtime/messages.js';
import { openSharedLocalAgent, waitPidGone, type SharedLocalAgent } from '#runtime/placement/local-shared-agent.js';
import type { IncomingConnection } from '#runtime/tunnel/agent-session.js';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { startPodServer, waitFor } from '../../agent/test/helpers/pod.js';

const PORT = 8080;
let ns: TestNetns;
let first: SharedLocalAgent | undefined;

beforeAll(async () => {
  requireRoot();
  ns = createNetns();
  await startPodServer(ns, PORT);
});

afterAll(async () => {
  if (first) { await first.session.close(); await waitPidGone(first.pid, 5_000); }
  ns?.cleanup();
});

function get(headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(`http://${ns.podIp}:${PORT}/`, { agent: false, headers, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

const answerMine = (conn: IncomingConnection): void => {
  conn.on('data', () => conn.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nmine!'));
  conn.on('error', () => {});
};

describe('session isolation on a shared agent', () => {
  it('another session can neither end nor take over a subscription', async () => {
    first = await openSharedLocalAgent({ target: { kind: 'netns', name: ns.name } });
    await first.session.subscribe({ port: PORT, mode: 'steal', httpFilter: { headerFilter: '^x-user: first$' } }, answerMine);
    expect(await get({ 'x-user': 'first' })).toBe('mine!');

    const state = JSON.parse(readFileSync(first.stateFile, 'utf8')) as { port: number; token: string };
    const ws = new WebSocket(`ws://127.0.0.1:${state.port}/kmirror/v1`);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    const frames: Frame[] = [];
    const decoder = new FrameDecoder();
    ws.on('message', (data: Buffer) => frames.push(...decoder.push(data)));
    const send = (streamId: number, msg: Msg): void => ws.send(encodeFrame({ streamId, msg }), { binary: true });
    send(0, { kind: 'hello', protocolVersion: 1, capabilities: [], token: state.token, clientName: 'intruder', user: 'mallory', host: 'elsewhere', startedAtMs: Date.now(), clientPid: 1 });
    await waitFor('helloAck', () => frames.find((f) => f.msg?.kind === 'helloAck'));
    // The first session's streams are odd ids from 1: aim at all of them.
    for (const id of [1, 3, 5, 7]) {
      send(id, { kind: 'unsubscribe' });
      send(id, { kind: 'close', reset: true, reason: 'take over' });
    }
    send(9, { kind: 'subscribe', port: PORT, mode: 'steal', transport: 'tcp' });
    const refusal = await waitFor('the refusal', () => frames.find((f) => f.streamId === 9 && f.msg?.kind === 'error'));
    expect(refusal.msg).toMatchObject({ code: 'ALREADY_EXISTS' });
    expect((refusal.msg as { message: string }).message).toMatch(/the port is shared by HTTP filters of \S+@\S+ \(session \d+, pid \d+, since [^)]+\)/);
    expect(await get({ 'x-user': 'first' })).toBe('mine!');
    const listed = await first.session.sessions!();
    expect(listed.find((s) => s.self)?.subscriptions).toMatchObject([{ port: PORT, mode: 'steal', filter: '{"header_filter":"^x-user: first$"}' }]);
    expect(listed.find((s) => !s.self)).toMatchObject({ user: 'mallory', host: 'elsewhere', subscriptions: [] });
    ws.close();
  });
});
