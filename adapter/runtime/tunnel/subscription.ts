// A port subscription on the client: the agent delivers each stolen/mirrored connection on a
// new agent-allocated stream that names this subscription's stream id.
import { EventEmitter } from 'node:events';
import type { StreamHandler, TunnelConnection } from '#proto/runtime/connection.js';
import type { Msg } from '#proto/runtime/messages.js';
import type { SocketAddr, TrafficMode } from '#proto/runtime/types.js';
import type { IncomingConnection, RecordedMessage, Subscription } from './session-types.js';
import { untilFlushedOrIdle } from './until-flushed.js';

export class SubscriptionImpl extends EventEmitter implements Subscription, StreamHandler {
  private ended = false;
  private closing = false;
  /** Connections delivered on this subscription and still open. */
  private readonly connections = new Set<IncomingConnection>();

  constructor(private readonly conn: TunnelConnection, readonly streamId: number, readonly port: number, readonly mode: TrafficMode,
    readonly onConnection: (c: IncomingConnection) => void, readonly listen?: SocketAddr,
    private readonly onRecorded?: (msg: RecordedMessage) => void) {
    super();
    conn.attach(streamId, this);
  }

  /** False once closed or closing: a connection arriving now is refused (the agent hands it to the original app). */
  get active(): boolean {
    return !this.ended && !this.closing;
  }

  /** Records a connection delivered on this subscription (close() lets its finished answer go first). */
  track(connection: IncomingConnection): void {
    this.connections.add(connection);
    connection.once('close', () => this.connections.delete(connection));
  }

  readonly warnings: string[] = [];

  onMessage(msg: Msg): void {
    if (msg.kind === 'subscriptionWarning') {
      this.warnings.push(msg.message);
      this.emit('warning', msg.message);
      return;
    }
    if (msg.kind === 'unsubscribed') return this.end(msg.reason || 'unsubscribed by the agent');
    if (msg.kind === 'error') return this.end(`${msg.code}: ${msg.message}`);
    if (this.onRecorded && (msg.kind === 'recordedConnection' || msg.kind === 'recordedSegment' || msg.kind === 'recordedGap')) return this.onRecorded(msg);
    this.conn.sendStreamError(this.streamId, 'PROTOCOL_VIOLATION', `subscription: unexpected ${msg.kind}`);
    this.end(`protocol violation (${msg.kind})`);
  }

  onConnectionClosed(): void {
    this.end('tunnel closed');
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.conn.detach(this.streamId);
    this.emit('closed', reason);
  }

  /**
   * Unsubscribes once the answers the program has finished (end() called) were handed to the
   * tunnel with their Shutdown: the agent then delivers them to the pod after the unsubscribe.
   * Connections still open both ways are cut by the agent.
   */
  async close(): Promise<void> {
    if (this.ended || this.closing) return;
    this.closing = true;
    await Promise.all([...this.connections].filter((c) => c.writableEnded).map((c) => untilFlushedOrIdle(c)));
    if (this.ended) return;
    this.conn.send(this.streamId, { kind: 'unsubscribe' });
    this.end('unsubscribed');
  }
}
