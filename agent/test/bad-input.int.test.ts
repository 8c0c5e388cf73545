// Bad input on the agent's tunnel: oversized, truncated and garbage frames, unknown message
// types, wrong version, wrong token, frames out of place. Each gets a clear Error frame and a
// closed stream or connection — and the agent keeps serving its other clients throughout.
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cleanupAll, createNetns, requireRoot, sweepStale, type TestNetns } from '#test/harness/netns.js';
import { connectAgent, type AgentSession } from '#runtime/tunnel/agent-session.js';
import { FrameDecoder, encodeFrame } from '#proto/runtime/framing.js';
import type { Frame, Msg } from '#proto/runtime/messages.js';
import { startAgentInProcess, type AgentUnderTest } from './helpers/agent-under-test.js';
import { tcpServerInside } from './helpers/target-fixture.js';
import { fdBaseline, type FdBaseline } from './helpers/fd-count.js';

let ns: TestNetns;
let agent: AgentUnderTest;
let good: AgentSession;
let servicePort: number;
let fds: FdBaseline;

/** A raw tunnel client: sends bytes, collects decoded frames and the close. */
class RawClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<number>;
  private readonly decoder = new FrameDecoder();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.frames.push(...this.decoder.push(data)));
    this.closed = new Promise((resolve) => ws.on('close', (code: number) => resolve(code)));
  }

  static async open(): Promise<RawClient> {
    const ws = new WebSocket(agent.url);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    return new RawClient(ws);
  }

  static async authenticated(): Promise<RawClient> {
    const c = await RawClient.open();
    c.send(0, { kind: 'hello', protocolVersion: 1, capabilities: [], token: agent.token, clientName: 'raw' });
    await c.frame((f) => f.msg?.kind === 'helloAck');
    return c;
  }

  send(streamId: number, msg: Msg): void {
    this.raw(encodeFrame({ streamId, msg }));
  }

  raw(bytes: Uint8Array | string): void {
    this.ws.send(bytes, { binary: typeof bytes !== 'string' });
  }

  async frame(match: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.find(match);
      if (f) return f;
      if (Date.now() > deadline) throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.map((x) => x.msg?.kind))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Expects a fatal Error on stream 0 with `code`, then the connection closing. */
  async expectFatal(code: string, message: RegExp): Promise<void> {
    const f = await this.frame((x) => x.streamId === 0 && x.msg?.kind === 'error');
    expect(f.msg).toMatchObject({ kind: 'error', code });
    expect((f.msg as { message: string }).message).toMatch(message);
    await this.closed;
  }
}

async function stillServing(): Promise<void> {
  expect(await good.ping()).toBeGreaterThan(0);
  const sock = await good.connectTcp('127.0.0.1', servicePort);
  const body = await new Promise<string>((resolve) => { let b = ''; sock.on('data', (d) => (b += d)); sock.on('end', () => resolve(b)); });
  expect(body).toBe('still here');
  // And a brand-new client is accepted too.
  const fresh = await connectAgent({ url: agent.url, token: agent.token });
  expect(await fresh.ping()).toBeGreaterThan(0);
  await fresh.close();
}

beforeAll(async () => {
  requireRoot();
  sweepStale();
  ns = createNetns();
  servicePort = (await tcpServerInside(ns, (s: net.Socket) => s.end('still here'))).port;
  agent = await startAgentInProcess(`netns/${ns.name}`);
  fds = fdBaseline(process.pid); // the agent runs in this process
  good = await connectAgent({ url: agent.url, token: agent.token, clientName: 'well-behaved' });
});

afterEach(async () => {
  await stillServing();
});

afterAll(async () => {
  await good?.close();
  try {
    if (fds) await fds.expectNoGrowth('the bad-input clients left');
  } finally {
    await agent?.server.close();
  }
  cleanupAll();
});

describe('bad input', () => {
  it('oversized frame → BAD_FRAME, connection closed', async () => {
    const c = await RawClient.authenticated();
    c.raw(Buffer.from([0x80, 0x80, 0x80, 0x20])); // length prefix: 64 MiB
    await c.expectFatal('BAD_FRAME', /exceeds the maximum/);
  });

  it('truncated frame body → BAD_FRAME, connection closed', async () => {
    const c = await RawClient.authenticated();
    const body = Buffer.from([0x08, 0x01, 0x52, 0x64, 0x01]); // stream 1, field 10 claims 100 bytes, has 1
    c.raw(Buffer.concat([Buffer.from([body.length]), body]));
    await c.expectFatal('BAD_FRAME', /undecodable frame/);
  });

  it('a client that disconnects mid-frame leaves the agent serving', async () => {
    const c = await RawClient.authenticated();
    c.raw(encodeFrame({ streamId: 1, msg: { kind: 'data', payload: Buffer.alloc(1000) } }).subarray(0, 100));
    c.ws.terminate();
    await c.closed;
    await expect.poll(() => agent.logs.some((l) => l.includes('stream ended inside a frame')), { timeout: 30_000 }).toBe(true); // expect.poll's default bound (1 s) is a speed check
  });

  it('garbage bytes → BAD_FRAME, connection closed', async () => {
    const c = await RawClient.open();
    c.raw(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3)));
    await c.expectFatal('BAD_FRAME', /./);
  });

  it('a text message → BAD_FRAME, connection closed', async () => {
    const c = await RawClient.authenticated();
    c.raw('hello');
    await c.expectFatal('BAD_FRAME', /text WebSocket message/);
  });

  it('unknown message type on a stream → UNKNOWN_MESSAGE on that stream only', async () => {
    const c = await RawClient.authenticated();
    const body = Buffer.from([0x08, 0x01, 0xba, 0x3e, 0x00]); // stream 1, field 999
    c.raw(Buffer.concat([Buffer.from([body.length]), body]));
    const f = await c.frame((x) => x.streamId === 1);
    expect(f.msg).toMatchObject({ kind: 'error', code: 'UNKNOWN_MESSAGE' });
    c.send(0, { kind: 'ping', nonce: 5 });
    expect((await c.frame((x) => x.msg?.kind === 'pong')).msg).toEqual({ kind: 'pong', nonce: 5 });
    c.ws.close();
  });

  it('unknown message type on stream 0 → UNKNOWN_MESSAGE, connection closed', async () => {
    const c = await RawClient.authenticated();
    const body = Buffer.from([0xba, 0x3e, 0x00]);
    c.raw(Buffer.concat([Buffer.from([body.length]), body]));
    await c.expectFatal('UNKNOWN_MESSAGE', /stream 0/);
  });

  it('wrong protocol version → VERSION_MISMATCH, connection closed', async () => {
    const c = await RawClient.open();
    c.send(0, { kind: 'hello', protocolVersion: 99, capabilities: [], token: agent.token, clientName: 'old' });
    await c.expectFatal('VERSION_MISMATCH', /version 99 is not supported/);
  });

  it('wrong token → UNAUTHENTICATED, connection closed (also through connectAgent)', async () => {
    const c = await RawClient.open();
    c.send(0, { kind: 'hello', protocolVersion: 1, capabilities: [], token: 'guess', clientName: 'intruder' });
    await c.expectFatal('UNAUTHENTICATED', /wrong session token/);
    await expect(connectAgent({ url: agent.url, token: 'guess' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('a request before the handshake → PROTOCOL_VIOLATION, connection closed', async () => {
    const c = await RawClient.open();
    c.send(1, { kind: 'envRequest' });
    await c.expectFatal('PROTOCOL_VIOLATION', /before the handshake/);
  });

  it('data on a stream that was never opened → PROTOCOL_VIOLATION on that stream', async () => {
    const c = await RawClient.authenticated();
    c.send(7, { kind: 'data', payload: Buffer.from('x') });
    expect((await c.frame((x) => x.streamId === 7)).msg).toMatchObject({ kind: 'error', code: 'PROTOCOL_VIOLATION' });
    c.ws.close();
  });

  it('bad request arguments → INVALID_ARGUMENT naming them', async () => {
    const c = await RawClient.authenticated();
    c.send(1, { kind: 'tcpConnect', host: '', port: 70000, initialWindow: 0, timeoutMs: 0 });
    expect((await c.frame((x) => x.streamId === 1)).msg).toMatchObject({ kind: 'error', code: 'INVALID_ARGUMENT', message: expect.stringContaining('bad host or port') });
    c.ws.close();
  });
});
