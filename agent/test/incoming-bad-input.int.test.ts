// Bad input on incoming traffic, at the tunnel level against the real agent process: subscribe
// with invalid ports, unsubscribe of unknown stream ids, and a client vanishing mid-relay (its
// WebSocket dropped without a goodbye) — clear errors, the pod-side client is reset at once, the
// port goes back to the original app, and the agent's file descriptors return to their baseline.
import net from 'node:net';
import http from 'node:http';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cleanupAll, createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { startLocalAgent, type LocalAgent } from '#runtime/tunnel/local-agent.js';
import { FrameDecoder, encodeFrame } from '#proto/runtime/framing.js';
import type { Frame, Msg } from '#proto/runtime/messages.js';
import { heldBpf, startPodServer, stillLoaded, waitFor } from './helpers/pod.js';
import { fdBaseline, type FdBaseline } from './helpers/fd-count.js';

const PORT = 8080;
let ns: TestNetns;
let agent: LocalAgent;
let fds: FdBaseline;

/** A bare tunnel client speaking frames directly, so it can misbehave. */
async function rawClient(): Promise<{ ws: WebSocket; frames: Frame[]; send(id: number, msg: Msg): void; frame(m: (f: Frame) => boolean): Promise<Frame> }> {
  const ws = new WebSocket(agent.url);
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const frames: Frame[] = [];
  const decoder = new FrameDecoder();
  ws.on('message', (data: Buffer) => frames.push(...decoder.push(data)));
  const send = (streamId: number, msg: Msg): void => ws.send(encodeFrame({ streamId, msg }), { binary: true });
  const frame = (match: (f: Frame) => boolean): Promise<Frame> => waitFor(`a frame; got ${JSON.stringify(frames.map((f) => f.msg?.kind))}`, () => frames.find(match));
  send(0, { kind: 'hello', protocolVersion: 1, capabilities: [], token: agent.token, clientName: 'raw-incoming' });
  await frame((f) => f.msg?.kind === 'helloAck');
  return { ws, frames, send, frame };
}

const fdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

function get(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(`http://${ns.podIp}:${PORT}${path}`, { agent: false, timeout: 3_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

beforeAll(async () => {
  requireRoot();
  ns = createNetns();
  await startPodServer(ns, PORT);
  agent = await startLocalAgent({ target: `netns/${ns.name}` });
  fds = fdBaseline(agent.pid);
});

afterAll(async () => {
  try {
    if (fds) await fds.expectNoGrowth('the incoming bad-input clients left');
  } finally {
    await agent?.stop();
  }
  cleanupAll();
});

describe('incoming bad input', () => {
  it('answers invalid ports and unknown unsubscribes with clear stream errors and keeps serving', async () => {
    const c = await rawClient();
    c.send(1, { kind: 'subscribe', port: 0, mode: 'steal', transport: 'tcp' });
    const bad = await c.frame((f) => f.streamId === 1 && f.msg?.kind === 'error');
    expect(bad.msg).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/port 0 is not a port number/) });
    c.send(3, { kind: 'subscribe', port: 80, mode: 'mirror', transport: 'tcp', httpFilter: { pathFilter: '(' } });
    expect((await c.frame((f) => f.streamId === 3 && f.msg?.kind === 'error')).msg).toMatchObject({ code: 'INVALID_ARGUMENT' });
    c.send(5, { kind: 'unsubscribe' });
    const unknown = await c.frame((f) => f.streamId === 5 && f.msg?.kind === 'error');
    expect(unknown.msg).toMatchObject({ code: 'NOT_FOUND', message: 'stream 5: no subscription to unsubscribe' });
    c.send(7, { kind: 'subscribe', port: PORT, mode: 'steal', transport: 'tcp' });
    expect((await c.frame((f) => f.streamId === 7 && f.msg?.kind === 'subscribed')).msg?.kind).toBe('subscribed');
    c.send(7, { kind: 'unsubscribe' });
    await c.frame((f) => f.streamId === 7 && f.msg?.kind === 'unsubscribed');
    c.ws.close();
    expect(await get('/still-served')).toMatch(/^ORIGINAL/);
  });

  it('resets the pod-side client and frees everything when the client vanishes mid-relay', async () => {
    await waitFor('the agent to hold no BPF program', () => (heldBpf(agent.pid).progs.length === 0 ? true : undefined));
    const baseline = fdCount(agent.pid);
    const c = await rawClient();
    c.send(1, { kind: 'subscribe', port: PORT, mode: 'steal', transport: 'tcp' });
    await c.frame((f) => f.streamId === 1 && f.msg?.kind === 'subscribed');
    const held = heldBpf(agent.pid);
    expect((await stillLoaded(held)).some((o) => o.endsWith('km_steal'))).toBe(true);
    const pod = net.connect({ host: ns.podIp, port: PORT });
    const podClosed = new Promise<string>((resolve) => {
      pod.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      pod.on('close', () => resolve('closed'));
    });
    pod.write('GET /half HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.frame((f) => f.msg?.kind === 'data');
    c.ws.terminate(); // no Unsubscribe, no Close: the client is simply gone
    expect(await podClosed).toMatch(/ECONNRESET|closed/); // an event; the test's timeout bounds a hang
    expect(await waitFor('the port back with the original app', async () => ((await get('/after')).startsWith('ORIGINAL') ? true : undefined))).toBe(true);
    await waitFor('the agent\'s km_ objects released', async () => ((await stillLoaded(held)).length === 0 ? true : undefined));
    await waitFor(`agent fds back to ${baseline} (now ${fdCount(agent.pid)})`, () => (fdCount(agent.pid) <= baseline ? true : undefined));
  });
});
