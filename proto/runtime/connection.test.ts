import { describe, expect, it } from 'vitest';
import { TunnelByteStream } from './byte-stream.js';
import { TunnelConnection, type StreamHandler } from './connection.js';
import { TunnelError } from './errors.js';
import { encodeFrame } from './framing.js';
import { acceptHandshake, clientHandshake } from './handshake.js';
import { createTransportPair } from './memory-transport.js';
import type { Frame, Msg } from './messages.js';
import { openStreamPair } from './test-stream-pair.js';

function pair(): { client: TunnelConnection; agent: TunnelConnection; inject: (b: Buffer) => void } {
  const [a, b] = createTransportPair();
  return { client: new TunnelConnection(a, { role: 'client' }), agent: new TunnelConnection(b, { role: 'agent' }), inject: (bytes) => b.inject(bytes) };
}

function nextEvent<T>(emitter: { once(e: string, l: (v: T) => void): unknown }, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, resolve));
}

function readAll(stream: TunnelByteStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (d: Buffer) => chunks.push(d));
  return new Promise((resolve, reject) => {
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

describe('tunnel connection', () => {
  it('answers pings on stream 0', async () => {
    const { client } = pair();
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
  });

  it('gives odd ids to the client and even ids to the agent', () => {
    const { client, agent } = pair();
    const h: StreamHandler = { onMessage: () => undefined, onConnectionClosed: () => undefined };
    expect([client.openStream(h), client.openStream(h)]).toEqual([1, 3]);
    expect([agent.openStream(h), agent.openStream(h)]).toEqual([2, 4]);
  });

  it('relays bytes both ways with half-close', async () => {
    const { client, agent } = pair();
    const [c, a] = await openStreamPair(client, agent, 64 * 1024);
    const big = Buffer.alloc(1_000_000, 7);
    const atAgent = readAll(a);
    c.end(big);
    expect((await atAgent).equals(big)).toBe(true);
    // The other direction still works after the client's half-close.
    const atClient = readAll(c);
    a.end('answer');
    expect((await atClient).toString()).toBe('answer');
  });

  it('keeps other streams moving while one consumer is stalled, within its window', async () => {
    const { client, agent } = pair();
    const window = 32 * 1024;
    const [slowC, slowA] = await openStreamPair(client, agent, window);
    const [fastC, fastA] = await openStreamPair(client, agent, window);
    slowA.pause(); // never read
    let slowWritable = true;
    for (let i = 0; i < 64 && slowWritable; i++) slowWritable = slowC.write(Buffer.alloc(8 * 1024));
    const fastData = Buffer.alloc(500_000, 1);
    const received = readAll(fastA);
    fastC.end(fastData);
    expect((await received).length).toBe(fastData.length);
    // The stalled stream buffered at most one window on the receiving side; the sender is held back.
    expect(slowA.readableLength).toBeLessThanOrEqual(window);
    expect(slowWritable).toBe(false);
    // Resuming the slow reader lets the sender finish.
    const rest = readAll(slowA);
    slowC.end();
    slowA.resume();
    expect((await rest).length).toBeGreaterThan(window);
  });

  it('rejects data beyond the granted window with FLOW_CONTROL', async () => {
    const { client, agent } = pair();
    const [c, a] = await openStreamPair(client, agent, 1024);
    const agentErr = nextEvent<TunnelError>(a, 'error');
    const clientErr = nextEvent<TunnelError>(c, 'error');
    client.send(c.streamId, { kind: 'data', payload: Buffer.alloc(2048) }); // bypasses the credit check
    expect((await agentErr).code).toBe('FLOW_CONTROL');
    expect((await clientErr).code).toBe('FLOW_CONTROL');
    expect(await client.ping()).toBeGreaterThanOrEqual(0); // the connection survives
  });

  it('turns Close{reset} into a RESET error on the other side', async () => {
    const { client, agent } = pair();
    const [c, a] = await openStreamPair(client, agent, 1024);
    const err = nextEvent<TunnelError>(c, 'error');
    a.resetAndDestroy();
    expect((await err).code).toBe('RESET');
  });

  it('answers an unknown message type with UNKNOWN_MESSAGE on that stream and keeps the connection', async () => {
    const { client, agent, inject } = pair();
    const got: Msg[] = [];
    client.openStream({ onMessage: (m) => got.push(m), onConnectionClosed: () => undefined });
    const body = Buffer.from([0x08, 0x01, 0xba, 0x3e, 0x00]); // stream 1, field 999
    inject(Buffer.concat([Buffer.from([body.length]), body]));
    await expect.poll(() => got[0], { timeout: 10_000 }).toMatchObject({ kind: 'error', code: 'UNKNOWN_MESSAGE' });
    expect(agent.closed).toBe(false);
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
  });

  it('fails the connection with BAD_FRAME on garbage, telling the peer', async () => {
    const { client, agent, inject } = pair();
    const clientClosed = nextEvent<TunnelError>(client, 'close');
    inject(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect(agent.closed).toBe(true);
    const err = await clientClosed;
    expect(err.code).toBe('BAD_FRAME');
    expect(err.message).toMatch(/longer than 5 bytes/);
  });

  it('drops late frames for finished streams instead of reopening them', async () => {
    const { client, agent } = pair();
    const streams: number[] = [];
    agent.on('stream', (f: Frame) => streams.push(f.streamId));
    const h: StreamHandler = { onMessage: () => undefined, onConnectionClosed: () => undefined };
    const id = client.openStream(h);
    client.send(id, { kind: 'envRequest' });
    client.send(id, { kind: 'close', reset: false, reason: '' });
    await client.ping();
    expect(streams).toEqual([id]);
  });

  it('rejects a frame larger than the connection maximum', () => {
    const { client } = pair();
    client.maxFrameBytes = 100;
    expect(() => client.send(1, { kind: 'data', payload: Buffer.alloc(200) })).toThrow(/exceeds the maximum of 100/);
    expect(encodeFrame({ streamId: 1, msg: { kind: 'data', payload: Buffer.alloc(10) } }).length).toBeLessThan(100);
  });
});

describe('handshake', () => {
  const ack = { capabilities: ['tcp'], agentVersion: 't', target: 'netns/x', maxFrameBytes: 1 << 20 };

  it('agrees on version and token', async () => {
    const { client, agent } = pair();
    const accepted = acceptHandshake(agent, { token: 'secret', ack });
    const got = await clientHandshake(client, { token: 'secret', clientName: 'unit' });
    expect(got).toMatchObject({ protocolVersion: 1, target: 'netns/x', capabilities: ['tcp'] });
    expect((await accepted).clientName).toBe('unit');
  });

  it('refuses a wrong token with UNAUTHENTICATED and closes', async () => {
    const { client, agent } = pair();
    const accepted = acceptHandshake(agent, { token: 'secret', ack });
    accepted.catch(() => undefined); // asserted below
    await expect(clientHandshake(client, { token: 'guess', clientName: 'unit' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'wrong session token' });
    await expect(accepted).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(agent.closed).toBe(true);
  });

  it('refuses another protocol version with VERSION_MISMATCH', async () => {
    const { client, agent } = pair();
    void acceptHandshake(agent, { token: 'secret', ack }).catch(() => undefined);
    await expect(clientHandshake(client, { token: 'secret', clientName: 'unit', protocolVersion: 99 })).rejects.toMatchObject({ code: 'VERSION_MISMATCH', message: expect.stringMatching(/version 99 is not supported/) });
  });

  it('refuses a stream opened before the handshake', async () => {
    const { client, agent } = pair();
    const accepted = acceptHandshake(agent, { token: 'secret', ack });
    const closed = nextEvent<TunnelError>(client, 'close');
    client.send(1, { kind: 'envRequest' });
    await expect(accepted).rejects.toMatchObject({ code: 'PROTOCOL_VIOLATION' });
    expect((await closed).code).toBe('PROTOCOL_VIOLATION');
  });

  it('gives up on a silent peer after the deadline', async () => {
    const { agent } = pair();
    await expect(acceptHandshake(agent, { token: 'secret', ack, timeoutMs: 50 })).rejects.toMatchObject({ code: 'TIMED_OUT' });
  });
});
