// Client-side byte streams: an outgoing TCP connection made by the agent (TunnelSocket) and an
// incoming stolen/mirrored connection (IncomingConnection). Both are flow-controlled tunnel
// streams with a few net.Socket niceties so HTTP clients can use them (createConnection).
import { TunnelByteStream, type ByteStreamOptions } from '#proto/runtime/byte-stream.js';
import type { TunnelConnection } from '#proto/runtime/connection.js';
import type { Msg } from '#proto/runtime/messages.js';
import type { SocketAddr, TrafficMode, Transport } from '#proto/runtime/types.js';
import type { IncomingConnection, TunnelSocket } from './session-types.js';

export class TunnelSocketImpl extends TunnelByteStream implements TunnelSocket {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly connecting = false;

  constructor(conn: TunnelConnection, streamId: number, opts: ByteStreamOptions & { local: SocketAddr; remote: SocketAddr }) {
    super(conn, streamId, opts);
    this.localAddress = opts.local.address;
    this.localPort = opts.local.port;
    this.remoteAddress = opts.remote.address;
    this.remotePort = opts.remote.port;
  }

  private idleTimer: NodeJS.Timeout | undefined;

  // net.Socket compatibility for HTTP clients: Nagle and keep-alive are the agent's business.
  setNoDelay(): this { return this; }
  setKeepAlive(): this { return this; }

  /** Like net.Socket: 'timeout' after `ms` without data in either direction (0 disables). */
  setTimeout(ms: number, cb?: () => void): this {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (cb) this.once('timeout', cb);
    if (ms > 0) {
      this.idleTimer = setTimeout(() => this.emit('timeout'), ms);
      this.idleTimer.unref();
      this.once('close', () => clearTimeout(this.idleTimer));
    }
    return this;
  }

  override onMessage(msg: Msg): void {
    if (msg.kind === 'data') this.idleTimer?.refresh();
    super.onMessage(msg);
  }

  override _write(chunk: Buffer, enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.idleTimer?.refresh();
    super._write(chunk, enc, callback);
  }

  ref(): this { return this; }
  unref(): this { return this; }
}

export class IncomingConnectionImpl extends TunnelByteStream implements IncomingConnection {
  readonly source: SocketAddr;
  readonly destination: SocketAddr;
  readonly mode: TrafficMode;
  readonly transport: Transport;

  constructor(conn: TunnelConnection, streamId: number, opts: ByteStreamOptions & { source: SocketAddr; destination: SocketAddr; mode: TrafficMode; transport: Transport }) {
    super(conn, streamId, opts);
    this.source = opts.source;
    this.destination = opts.destination;
    this.mode = opts.mode;
    this.transport = opts.transport;
  }

  override onMessage(msg: Msg): void {
    if (msg.kind === 'mirrorGap') {
      this.emit('gap', msg.offset, msg.length);
      return;
    }
    super.onMessage(msg);
  }
}
