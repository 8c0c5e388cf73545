// A UDP socket the agent holds inside the target: datagrams both ways on one stream.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { StreamHandler, TunnelConnection } from '#proto/runtime/connection.js';
import { TunnelError } from '#proto/runtime/errors.js';
import type { Msg } from '#proto/runtime/messages.js';
import type { SocketAddr } from '#proto/runtime/types.js';
import type { TunnelUdpSocket } from './session-types.js';

export class TunnelUdpSocketImpl extends EventEmitter implements TunnelUdpSocket, StreamHandler {
  private closed = false;

  constructor(private readonly conn: TunnelConnection, private readonly streamId: number, private readonly local: SocketAddr) {
    super();
    conn.attach(streamId, this);
  }

  address(): SocketAddr {
    return { ...this.local };
  }

  send(payload: Uint8Array, to: SocketAddr): void {
    if (this.closed) throw new TunnelError('UNAVAILABLE', 'udp send: the socket is closed');
    this.conn.send(this.streamId, { kind: 'udpDatagram', peer: to, payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength) });
  }

  onMessage(msg: Msg): void {
    if (msg.kind === 'udpDatagram') {
      const family = net.isIPv6(msg.peer.address) ? 'IPv6' : 'IPv4';
      this.emit('message', msg.payload, { address: msg.peer.address, port: msg.peer.port, family, size: msg.payload.length });
      return;
    }
    const err = msg.kind === 'error' ? new TunnelError(msg.code, msg.message) : new TunnelError('PROTOCOL_VIOLATION', `udp: unexpected ${msg.kind}`);
    this.finish(err);
  }

  onConnectionClosed(err: TunnelError): void {
    this.finish(err);
  }

  private finish(err?: TunnelError): void {
    if (this.closed) return;
    this.closed = true;
    this.conn.detach(this.streamId);
    if (err && this.listenerCount('error') > 0) this.emit('error', err);
    this.emit('close');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.conn.send(this.streamId, { kind: 'close', reset: false, reason: 'closed by client' });
    this.finish();
  }
}
