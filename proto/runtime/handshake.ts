// The version/capability/token handshake, the first exchange on every connection:
//   client --Hello{version, capabilities, token}--> agent
//   agent  --HelloAck{version, capabilities, target, max_frame_bytes}--> client
// A wrong version or token gets Error(VERSION_MISMATCH | UNAUTHENTICATED) on stream 0 and the
// connection is closed; anything but Hello first is a PROTOCOL_VIOLATION.
import { timingSafeEqual, createHash } from 'node:crypto';
import { TunnelError } from './errors.js';
import type { TunnelConnection } from './connection.js';
import type { MsgOf } from './messages.js';

/** The tunnel protocol version. Features added later are gated on capabilities, not versions. */
export const PROTOCOL_VERSION = 1;
/** Versions this build accepts from a peer. */
export const MIN_PROTOCOL_VERSION = 1;

export type Hello = Omit<MsgOf<'hello'>, 'kind'>;
export type HelloAck = Omit<MsgOf<'helloAck'>, 'kind'>;

function tokensEqual(a: string, b: string): boolean {
  // Hash first so that the comparison is constant-time regardless of the lengths.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length > 0;
}

function waitControl<K extends 'hello' | 'helloAck'>(conn: TunnelConnection, kind: K, timeoutMs: number, what: string): Promise<MsgOf<K>> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      conn.off('control', onControl);
      conn.off('close', onClose);
      conn.off('stream', onStream);
    };
    const timer = setTimeout(() => {
      cleanup();
      conn.fail('TIMED_OUT', `${what}: no ${kind} within ${timeoutMs} ms`);
      reject(new TunnelError('TIMED_OUT', `${what}: no ${kind} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onControl = (msg: MsgOf<'hello'> | MsgOf<'helloAck'>): void => {
      cleanup();
      if (msg.kind !== kind) {
        conn.fail('PROTOCOL_VIOLATION', `${what}: expected ${kind}, got ${msg.kind}`);
        reject(new TunnelError('PROTOCOL_VIOLATION', `${what}: expected ${kind}, got ${msg.kind}`));
        return;
      }
      resolve(msg as MsgOf<K>);
    };
    const onStream = (): void => {
      cleanup();
      conn.fail('PROTOCOL_VIOLATION', `${what}: a stream was opened before the handshake`);
      reject(new TunnelError('PROTOCOL_VIOLATION', `${what}: a stream was opened before the handshake`));
    };
    const onClose = (err: TunnelError): void => {
      cleanup();
      reject(err);
    };
    conn.on('control', onControl);
    conn.on('stream', onStream);
    conn.on('close', onClose);
  });
}

/** Agent side: waits for Hello, checks version and token, answers HelloAck or fails the connection. */
export async function acceptHandshake(conn: TunnelConnection, opts: { token: string; ack: Omit<HelloAck, 'protocolVersion'>; timeoutMs?: number }): Promise<Hello> {
  const hello = await waitControl(conn, 'hello', opts.timeoutMs ?? 10_000, 'handshake');
  if (hello.protocolVersion < MIN_PROTOCOL_VERSION || hello.protocolVersion > PROTOCOL_VERSION) {
    const message = `protocol version ${hello.protocolVersion} is not supported (agent speaks ${MIN_PROTOCOL_VERSION}..${PROTOCOL_VERSION})`;
    conn.fail('VERSION_MISMATCH', message);
    throw new TunnelError('VERSION_MISMATCH', message);
  }
  if (!tokensEqual(hello.token, opts.token)) {
    const message = hello.token ? 'wrong session token' : 'missing session token';
    conn.fail('UNAUTHENTICATED', message);
    throw new TunnelError('UNAUTHENTICATED', message);
  }
  conn.send(0, { kind: 'helloAck', protocolVersion: PROTOCOL_VERSION, ...opts.ack });
  const { kind: _kind, ...rest } = hello;
  return rest;
}

/** Client side: sends Hello and waits for HelloAck (rejects with the agent's Error, e.g. UNAUTHENTICATED). */
/** Who opens a session, shown to the other sessions of a shared agent (Hello fields 6-9). */
export interface SessionIdentity { user: string; host: string; startedAtMs: number; clientPid: number }

export async function clientHandshake(conn: TunnelConnection, opts: { token: string; clientName: string; capabilities?: string[]; timeoutMs?: number; protocolVersion?: number; identity?: SessionIdentity }): Promise<HelloAck> {
  const ack = waitControl(conn, 'helloAck', opts.timeoutMs ?? 10_000, 'handshake with the agent');
  // If send throws (transport already gone), `ack` still rejects later: never leave it unhandled.
  ack.catch(() => undefined);
  conn.send(0, { kind: 'hello', protocolVersion: opts.protocolVersion ?? PROTOCOL_VERSION, capabilities: opts.capabilities ?? [], token: opts.token, clientName: opts.clientName, ...opts.identity });
  const { kind: _kind, ...rest } = await ack;
  if (rest.maxFrameBytes > 0) conn.maxFrameBytes = Math.min(conn.maxFrameBytes, rest.maxFrameBytes);
  return rest;
}
