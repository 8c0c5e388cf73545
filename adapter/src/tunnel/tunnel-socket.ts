// Client-side byte streams: an outgoing TCP connection made by the agent (TunnelSocket) and an
// incoming stolen/mirrored connection (IncomingConnection). Both are flow-controlled tunnel
// streams with a few net.Socket niceties so HTTP clients can use them (createConnection).
import { TunnelByteStream, type ByteStreamOptions } from '../../../proto/runtime/byte-stream.js';
import type { TunnelConnection } from '../../../proto/runtime/connection.js';
import type { Msg } from '../../../proto/runtime/messages.js';
import type { SocketAddr, TrafficMode, Transport } from '../../../proto/runtime/types.js';
import type { IncomingConnection, TunnelSocket } from './agent-session.js';

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

  // net.Socket compatibility for HTTP agents: Nagle and keep-alive are the agent's business.
  setNoDelay(): this { return this; }
  setKeepAlive(): this { return this; }
  setTimeout(ms: number, cb?: () => void): this {
    if (cb && ms > 0) setTimeout(cb, ms).unref();
    return this;
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
