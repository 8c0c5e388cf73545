// One tunnel connection (either side): decodes frames from the transport, dispatches them to
// stream handlers by id, answers pings, and sends frames with connection-level backpressure.
//
// Concurrency model: everything runs on the Node event loop; handlers are called synchronously
// in frame order. Stream ids: the client allocates odd ids, the agent even ids; ids only grow,
// so a frame for an unknown id at or below the peer's highest id is a late frame for a finished
// stream (dropped), while a higher id opens a new stream ('stream' event).
//
// Fatal problems (bad frame, protocol violation, unknown control message) send Error on
// stream 0 and close the connection; per-stream problems send Error on that stream only.
import { EventEmitter } from 'node:events';
import { TunnelError } from './errors.js';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, encodeFrameParts } from './framing.js';
import type { Frame, Msg } from './messages.js';
import type { ByteTransport } from './transport.js';
import type { ErrorCodeName } from './types.js';

/** Bytes every tunnel connection of this process has sent and received (the agent's memory release watches it). */
let bytesMoved = 0;
export const tunnelBytesMoved = (): number => bytesMoved;

export interface StreamHandler {
  onMessage(msg: Msg): void;
  /** The connection ended: release everything tied to the stream. `local`: this side closed it on purpose. */
  onConnectionClosed(err: TunnelError, local?: boolean): void;
}

export interface ConnectionOptions {
  role: 'client' | 'agent';
  maxFrameBytes?: number;
  /** Outgoing bytes queued in the transport above which writers should wait for 'drain'. */
  highWaterMark?: number;
}

/**
 * Events: 'control' (msg) for hello/helloAck on stream 0; 'stream' (frame) for the first frame of
 * a peer-opened stream; 'drain'; 'close' (err: TunnelError).
 */
export class TunnelConnection extends EventEmitter {
  readonly role: 'client' | 'agent';
  maxFrameBytes: number;
  private readonly decoder: FrameDecoder;
  private readonly streams = new Map<number, StreamHandler>();
  private readonly pings = new Map<number, { done: () => void; fail: (err: TunnelError) => void }>();
  private nextLocalId: number;
  private highestPeerId = 0;
  private pendingBytes = 0;
  private readonly highWaterMark: number;
  private closedWith: TunnelError | undefined;
  private pingSeq = 1;

  constructor(private readonly transport: ByteTransport, opts: ConnectionOptions) {
    super();
    this.role = opts.role;
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.decoder = new FrameDecoder(this.maxFrameBytes);
    this.highWaterMark = opts.highWaterMark ?? 2 * 1024 * 1024;
    this.nextLocalId = opts.role === 'client' ? 1 : 2;
    transport.on('data', (chunk: Buffer) => this.receive(chunk));
    transport.on('invalid', (what: string) => this.fail('BAD_FRAME', `received ${what}`));
    transport.on('close', (reason: string) => {
      try {
        this.decoder.finish();
      } catch (err) {
        reason = `${reason}; ${(err as Error).message}`;
      }
      this.teardown(new TunnelError('UNAVAILABLE', `tunnel closed: ${reason}`));
    });
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** True while queued output exceeds the high-water mark; wait for 'drain'. */
  get needsDrain(): boolean {
    return this.pendingBytes > this.highWaterMark;
  }

  /** Sends one frame; silently dropped once the connection is closed. */
  send(streamId: number, msg: Msg): void {
    if (this.closedWith) return;
    const parts = encodeFrameParts({ streamId, msg }, this.maxFrameBytes);
    const length = parts.reduce((n, p) => n + p.length, 0);
    this.pendingBytes += length;
    bytesMoved += length;
    this.transport.write(parts, () => {
      const wasAbove = this.needsDrain;
      this.pendingBytes -= length;
      if (wasAbove && !this.needsDrain) this.emit('drain');
    });
  }

  /** Sends Error on a stream (≠ 0) and forgets its handler. */
  sendStreamError(streamId: number, code: ErrorCodeName, message: string): void {
    this.send(streamId, { kind: 'error', code, message });
    this.streams.delete(streamId);
  }

  /** Allocates a local stream id and registers its handler. */
  openStream(handler: StreamHandler): number {
    const id = this.nextLocalId;
    this.nextLocalId += 2;
    this.streams.set(id, handler);
    return id;
  }

  /** Registers the handler of a peer-opened stream (after its 'stream' event). */
  attach(streamId: number, handler: StreamHandler): void {
    this.streams.set(streamId, handler);
  }

  detach(streamId: number): void {
    this.streams.delete(streamId);
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Round trip on stream 0, in milliseconds. */
  ping(timeoutMs = 10_000): Promise<number> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const nonce = this.pingSeq++;
    const start = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pings.delete(nonce);
        reject(new TunnelError('TIMED_OUT', `ping: no pong within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pings.set(nonce, {
        done: () => { clearTimeout(timer); resolve(Number(process.hrtime.bigint() - start) / 1e6); },
        fail: (err) => { clearTimeout(timer); reject(err); },
      });
      this.send(0, { kind: 'ping', nonce });
    });
  }

  /** Fatal error: tells the peer (Error on stream 0), closes the transport, fails every stream. */
  fail(code: ErrorCodeName, message: string): void {
    if (this.closedWith) return;
    this.send(0, { kind: 'error', code, message });
    this.transport.close(`${code}: ${message}`);
    this.teardown(new TunnelError(code, message));
  }

  /** Orderly close of the whole connection. */
  close(reason = 'closed'): void {
    if (this.closedWith) return;
    this.transport.close(reason);
    this.teardown(new TunnelError('UNAVAILABLE', `tunnel closed: ${reason}`), true);
  }

  private teardown(err: TunnelError, local = false): void {
    if (this.closedWith) return;
    this.closedWith = err;
    for (const p of this.pings.values()) p.fail(err);
    this.pings.clear();
    const handlers = [...this.streams.values()];
    this.streams.clear();
    for (const h of handlers) {
      try {
        h.onConnectionClosed(err, local);
      } catch { /* a failing handler must not keep the others from closing */ }
    }
    this.emit('close', err);
  }

  private receive(chunk: Buffer): void {
    if (this.closedWith) return;
    bytesMoved += chunk.length;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      const e = err as TunnelError;
      this.fail(e.code ?? 'BAD_FRAME', e.message);
      return;
    }
    for (const frame of frames) {
      if (this.closedWith) return;
      this.dispatch(frame);
    }
  }

  private dispatch(frame: Frame): void {
    const { streamId, msg } = frame;
    if (streamId === 0) return this.dispatchControl(msg);
    if (!msg) {
      // Taken before sendStreamError forgets it: the handler must still release what it holds.
      const handler = this.streams.get(streamId);
      this.sendStreamError(streamId, 'UNKNOWN_MESSAGE', `stream ${streamId}: unknown message type (a newer peer?)`);
      handler?.onMessage({ kind: 'error', code: 'UNKNOWN_MESSAGE', message: `stream ${streamId}: the peer sent an unknown message type` });
      return;
    }
    const handler = this.streams.get(streamId);
    if (handler) {
      handler.onMessage(msg);
      return;
    }
    const peerOpened = (streamId % 2 === 1) === (this.role === 'agent');
    if (!peerOpened || streamId <= this.highestPeerId) return; // late frame for a finished stream
    this.highestPeerId = streamId;
    this.emit('stream', frame);
  }

  private dispatchControl(msg: Msg | undefined): void {
    if (!msg) return this.fail('UNKNOWN_MESSAGE', 'unknown message type on stream 0');
    switch (msg.kind) {
      case 'ping': return this.send(0, { kind: 'pong', nonce: msg.nonce });
      case 'pong': {
        const done = this.pings.get(msg.nonce);
        this.pings.delete(msg.nonce);
        done?.done();
        return;
      }
      case 'error':
        this.transport.close(`peer error ${msg.code}`);
        return this.teardown(new TunnelError(msg.code, msg.message));
      case 'hello':
      case 'helloAck':
        this.emit('control', msg);
        return;
      default:
        return this.fail('PROTOCOL_VIOLATION', `${msg.kind} is not allowed on stream 0`);
    }
  }
}
