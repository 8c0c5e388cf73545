// The tunnel side of one subscription: implements IncomingSink over the client's connection and
// handles the subscription stream (Unsubscribe from the client, Unsubscribed from the agent).
//   agent --IncomingConnection + Data--> client   (agent-allocated even stream per connection)
// The client's receive window for a new incoming connection is DEFAULT_STREAM_WINDOW until it
// sends its first WindowUpdate. A recording subscription (Subscribe.record) instead carries
// Recorded* messages on the subscription stream itself (RecordSender bounds what waits).
//   agent --RecordedConnection/Segment/Gap--> client   (the subscription's stream)
import type { Duplex } from 'node:stream';
import { TunnelByteStream, DEFAULT_STREAM_WINDOW } from '#proto/runtime/byte-stream.js';
import type { TunnelConnection, StreamHandler } from '#proto/runtime/connection.js';
import type { Msg } from '#proto/runtime/messages.js';
import type { Logger } from '../log.js';
import type { RecordedMsg } from './mirror/capture.js';
import { RecordSender } from './record-sender.js';
import { closeUnlessDraining } from './close-unless-draining.js';
import type { IncomingConnectionInfo, IncomingSink, IncomingSubscription } from './service.js';

export class TunnelIncomingSink implements IncomingSink, StreamHandler {
  private subscription: IncomingSubscription | undefined;
  private ended = false;
  private readonly connections = new Set<TunnelByteStream>();
  private pendingWarnings: Array<{ message: string; otherSessionId: number }> | undefined = [];
  private recorder: RecordSender | undefined;

  /** `onEnd` runs once when the subscription ends, however it ends (the session's registry entry). */
  constructor(private readonly conn: TunnelConnection, readonly streamId: number, private readonly log: Logger, private readonly onEnd?: () => void) {
    conn.attach(streamId, this);
  }

  /** Called once the service accepted the subscription. */
  started(subscription: IncomingSubscription): void {
    if (this.ended) return subscription.close();
    this.subscription = subscription;
    this.conn.send(this.streamId, { kind: 'subscribed', ...(subscription.listen ? { listen: subscription.listen } : {}) });
    const queued = this.pendingWarnings ?? [];
    this.pendingWarnings = undefined;
    for (const w of queued) this.warn(w.message, w.otherSessionId);
  }

  warn(message: string, otherSessionId: number): void {
    if (this.ended || this.conn.closed) return;
    if (this.pendingWarnings) { this.pendingWarnings.push({ message, otherSessionId }); return; }
    this.log.info('incoming', 'subscription warning', { stream: this.streamId, message });
    this.conn.send(this.streamId, { kind: 'subscriptionWarning', message, otherSessionId });
  }

  openConnection(info: IncomingConnectionInfo): Duplex {
    const placeholder: StreamHandler = { onMessage: () => undefined, onConnectionClosed: () => undefined };
    const id = this.conn.openStream(placeholder);
    const recvWindow = DEFAULT_STREAM_WINDOW;
    this.conn.send(id, { kind: 'incomingConnection', subscriptionStreamId: this.streamId, source: info.source, destination: info.destination, mode: info.mode, initialWindow: recvWindow, transport: info.transport });
    const stream = new TunnelByteStream(this.conn, id, { sendWindow: DEFAULT_STREAM_WINDOW, recvWindow, drainWritesDiscarded: true });
    this.connections.add(stream);
    stream.once('close', () => this.connections.delete(stream));
    if (this.ended || this.conn.closed) stream.destroy();
    return stream;
  }

  gap(connection: Duplex, offset: bigint | number, length: number): void {
    if (connection instanceof TunnelByteStream && !connection.destroyed) {
      this.conn.send(connection.streamId, { kind: 'mirrorGap', offset: Number(offset), length });
    }
  }

  record(msg: RecordedMsg): void {
    if (this.ended) return;
    this.recorder ??= new RecordSender(this.conn, this.streamId);
    this.recorder.send(msg);
  }

  closed(reason: string): void {
    if (this.ended) return;
    this.end(reason, true);
  }

  onMessage(msg: Msg): void {
    if (msg.kind === 'unsubscribe' || msg.kind === 'close') {
      this.subscription?.close();
      this.end('unsubscribed', msg.kind === 'unsubscribe');
      return;
    }
    this.conn.sendStreamError(this.streamId, 'PROTOCOL_VIOLATION', `stream ${this.streamId}: ${msg.kind} is not valid on a subscription`);
    this.subscription?.close();
    this.end('protocol violation', false);
  }

  onConnectionClosed(): void {
    this.subscription?.close();
    this.end('client gone', false);
  }

  /** Refused by the service before it started. */
  refused(): void {
    this.ended = true;
    this.conn.detach(this.streamId);
  }

  private end(reason: string, tell: boolean): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd?.();
    this.log.info('incoming', 'subscription ended', { stream: this.streamId, reason });
    if (tell) this.conn.send(this.streamId, { kind: 'unsubscribed', reason });
    this.conn.detach(this.streamId);
    this.recorder?.close();
    for (const c of this.connections) closeUnlessDraining(c);
  }
}
