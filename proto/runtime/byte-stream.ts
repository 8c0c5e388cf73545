// A byte stream multiplexed on a tunnel connection (outgoing TCP relay, incoming connections),
// as a Node Duplex with per-stream credit flow control:
//   * the sender may have at most `sendWindow` unacknowledged bytes in flight; writes wait
//     (write() returns false, callback held) until the peer grants more with WindowUpdate;
//   * the receiver grants credit only as its consumer drains the readable side, so a slow
//     consumer holds at most `recvWindow` bytes here and stops only its own sender — the
//     connection keeps carrying every other stream.
// Half-close: end() sends Shutdown; a received Shutdown ends the readable side. destroy() sends
// Close (reset when destroyed with an error or by resetAndDestroy()); a received Close{reset}
// or Error destroys this side with a TunnelError.
// Tunnel loss: a stream whose peer had already shut down its side (all its bytes are here) is
// not cut: its buffered bytes still drain to the consumer, then it closes ("orphaned"; bounded by
// the receive window and ORPHAN_DRAIN_MS). Any other unfinished stream is destroyed with the error.
import { Duplex } from 'node:stream';
import { TunnelError } from './errors.js';
import type { StreamHandler, TunnelConnection } from './connection.js';
import type { Msg } from './messages.js';

export const DEFAULT_STREAM_WINDOW = 4 * 1024 * 1024;
/** Largest Data payload per frame: big enough for throughput, small enough to interleave streams. */
export const MAX_DATA_CHUNK = 256 * 1024;
/** How long an orphaned stream may take to hand its buffered bytes to a consumer that stopped reading. */
export const ORPHAN_DRAIN_MS = 60_000;

export interface ByteStreamOptions {
  /** Bytes the peer allowed us to send before its first WindowUpdate. */
  sendWindow: number;
  /** Bytes we allow the peer to send (what we told it in TcpConnect/TcpConnected/IncomingConnection). */
  recvWindow: number;
  /** Keep the writable side open after the peer's Shutdown (relays: true; net.Socket-like ends: false). */
  allowHalfOpen?: boolean;
  /**
   * On tunnel loss after the peer's Shutdown, drain even if this side was still writing; what is
   * written afterwards is discarded (the agent: the workstation finished, its socket's answer has
   * nowhere to go). Without it, only a stream that had finished writing drains.
   */
  drainWritesDiscarded?: boolean;
}

export class TunnelByteStream extends Duplex implements StreamHandler {
  private sendCredit: number;
  private readonly recvWindow: number;
  private received = 0;
  private granted: number;
  private pendingWrite: { chunk: Buffer; callback: (err?: Error | null) => void } | undefined;
  private peerClosed = false;
  private sentClose = false;
  private peerEnded = false;
  private orphanedFlag = false;
  private readonly drainWritesDiscarded: boolean;
  private sent = 0;

  constructor(readonly connection: TunnelConnection, readonly streamId: number, opts: ByteStreamOptions) {
    super({ allowHalfOpen: opts.allowHalfOpen ?? true, readableHighWaterMark: opts.recvWindow, writableHighWaterMark: MAX_DATA_CHUNK });
    this.sendCredit = opts.sendWindow;
    this.recvWindow = opts.recvWindow;
    this.granted = opts.recvWindow;
    this.drainWritesDiscarded = opts.drainWritesDiscarded ?? false;
    connection.attach(streamId, this);
    this.onDrain = this.onDrain.bind(this);
  }

  /** The peer sent Shutdown (or an orderly Close): every byte it will send is here or consumed. */
  get peerShutdown(): boolean {
    return this.peerEnded;
  }

  /**
   * Bytes handed to the tunnel so far. Moves while a single large write() is sent window by
   * window (writableLength does not: it counts the whole chunk until its last byte is sent).
   */
  get bytesSent(): number {
    return this.sent;
  }

  /** The tunnel went away after the peer's Shutdown: draining what was received, then closing. */
  get orphaned(): boolean {
    return this.orphanedFlag;
  }

  /** Abortive close: the peer resets its socket. */
  resetAndDestroy(): this {
    this.sendClose(true, 'reset by peer');
    return this.destroy();
  }

  onMessage(msg: Msg): void {
    switch (msg.kind) {
      case 'data': return this.onData(msg.payload);
      case 'windowUpdate':
        this.sendCredit += msg.increment;
        return this.flushPending();
      case 'shutdown':
        this.peerEnded = true;
        this.push(null);
        return;
      case 'close':
        this.peerClosed = true;
        this.connection.detach(this.streamId);
        if (msg.reset) {
          this.destroy(new TunnelError('RESET', `stream ${this.streamId}: connection reset by peer${msg.reason ? ` (${msg.reason})` : ''}`));
        } else {
          // Orderly: deliver what is buffered, then end; writes the peer can no longer take are dropped.
          this.peerEnded = true;
          this.push(null);
          if (this.pendingWrite) this.destroy();
          else this.end();
        }
        return;
      case 'error':
        this.peerClosed = true;
        this.connection.detach(this.streamId);
        this.destroy(new TunnelError(msg.code, msg.message));
        return;
      default:
        this.connection.sendStreamError(this.streamId, 'PROTOCOL_VIOLATION', `stream ${this.streamId}: ${msg.kind} is not valid on a byte stream`);
        this.peerClosed = true;
        this.destroy(new TunnelError('PROTOCOL_VIOLATION', `stream ${this.streamId}: peer sent ${msg.kind} on a byte stream`));
    }
  }

  onConnectionClosed(err: TunnelError, local?: boolean): void {
    this.peerClosed = true;
    if (this.readableEnded && this.writableFinished) { this.destroy(); return; }
    if (this.peerEnded && (this.writableFinished || this.drainWritesDiscarded)) { this.orphan(); return; }
    // Closed on purpose by this side: nothing to report; else the stream was cut.
    this.destroy(local ? undefined : err);
  }

  /** Hands the buffered bytes to the consumer, discards later writes, then closes. */
  private orphan(): void {
    this.orphanedFlag = true;
    this.connection.off('drain', this.onDrain);
    const pending = this.pendingWrite;
    this.pendingWrite = undefined;
    pending?.callback();
    if (this.readableEnded) { this.destroy(); return; }
    const timer = setTimeout(() => this.destroy(new TunnelError('TIMED_OUT', `stream ${this.streamId}: consumer did not take the last bytes after the tunnel closed`)), ORPHAN_DRAIN_MS);
    timer.unref();
    this.once('end', () => { clearTimeout(timer); this.destroy(); });
    this.once('close', () => clearTimeout(timer));
  }

  private onData(payload: Buffer): void {
    if (this.received + payload.length > this.granted) {
      this.connection.sendStreamError(this.streamId, 'FLOW_CONTROL', `stream ${this.streamId}: ${payload.length} bytes beyond the granted window`);
      this.peerClosed = true;
      this.destroy(new TunnelError('FLOW_CONTROL', `stream ${this.streamId}: peer exceeded the flow-control window`));
      return;
    }
    this.received += payload.length;
    this.push(payload);
    this.maybeGrant();
  }

  /** Grants credit for bytes the consumer has taken, in batches of half a window. */
  private maybeGrant(): void {
    if (this.peerClosed || this.destroyed) return;
    const consumed = this.received - this.readableLength;
    const outstanding = this.granted - consumed;
    if (outstanding <= this.recvWindow / 2) {
      const increment = consumed + this.recvWindow - this.granted;
      this.granted += increment;
      this.connection.send(this.streamId, { kind: 'windowUpdate', increment });
    }
  }

  override _read(): void {
    this.maybeGrant();
  }

  // Bytes leave the buffer through read() (flowing mode and pipe() call it too); _read alone is
  // not enough, because Node stops calling it until the next push.
  override read(size?: number): unknown {
    const chunk: unknown = super.read(size);
    this.maybeGrant();
    return chunk;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.orphanedFlag) { callback(); return; }
    this.pendingWrite = { chunk, callback };
    this.flushPending();
  }

  private flushPending(): void {
    const pending = this.pendingWrite;
    if (!pending) return;
    if (this.connection.closed) {
      this.pendingWrite = undefined;
      pending.callback(new TunnelError('UNAVAILABLE', `stream ${this.streamId}: tunnel closed`));
      return;
    }
    let { chunk } = pending;
    while (chunk.length > 0 && this.sendCredit > 0) {
      if (this.connection.needsDrain) {
        this.connection.once('drain', this.onDrain);
        pending.chunk = chunk;
        return;
      }
      const n = Math.min(chunk.length, this.sendCredit, MAX_DATA_CHUNK);
      this.connection.send(this.streamId, { kind: 'data', payload: chunk.subarray(0, n) });
      this.sendCredit -= n;
      this.sent += n;
      chunk = chunk.subarray(n);
    }
    if (chunk.length > 0) {
      pending.chunk = chunk; // wait for WindowUpdate
      return;
    }
    this.pendingWrite = undefined;
    pending.callback();
  }

  private onDrain(): void {
    this.flushPending();
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (!this.peerClosed) this.connection.send(this.streamId, { kind: 'shutdown' });
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.connection.off('drain', this.onDrain);
    if (this.pendingWrite) {
      this.pendingWrite.callback(err ?? new TunnelError('UNAVAILABLE', `stream ${this.streamId}: destroyed`));
      this.pendingWrite = undefined;
    }
    this.sendClose(err !== null, err?.message ?? '');
    this.connection.detach(this.streamId);
    callback(err);
  }

  private sendClose(reset: boolean, reason: string): void {
    if (this.peerClosed || this.sentClose) return;
    this.sentClose = true;
    this.connection.send(this.streamId, { kind: 'close', reset, reason });
  }
}
