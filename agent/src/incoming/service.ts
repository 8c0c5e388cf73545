// The hook between the tunnel and incoming traffic (IncomingTrafficService). The agent's connection
// handler routes Subscribe/Unsubscribe frames here; the eBPF implementation (steal/mirror,
// ebpf-service.ts) is created by agent/src/incoming/create.ts. The default answers NOT_SUPPORTED.
import type { Duplex } from 'node:stream';
import type { HttpFilter, SocketAddr, TrafficMode, Transport } from '#proto/runtime/types.js';
import { TunnelError } from '#proto/runtime/errors.js';
import type { RecordedMsg } from './mirror/capture.js';

export type { HttpFilter, SocketAddr, TrafficMode, Transport };

/** The session a subscription belongs to, as other sessions are told about it. */
export interface SubscriberSession {
  readonly id: number;
  /** "alice@laptop (session 2, pid 4711, since …)" */
  readonly label: string;
}

export interface SubscribeRequest {
  port: number;
  mode: TrafficMode;
  transport: Transport;
  httpFilter?: HttpFilter;
  /** Who subscribes (named in refusals and overlap warnings to other sessions). */
  session?: SubscriberSession;
  /** Mirror only: both directions of each connection go to sink.record instead of openConnection. */
  record?: boolean;
}

export interface IncomingConnectionInfo {
  source: SocketAddr;
  /** The original destination inside the target. */
  destination: SocketAddr;
  mode: TrafficMode;
  transport: Transport;
}

/** Provided by the tunnel side for one subscription of one client. */
export interface IncomingSink {
  /**
   * Opens an agent-allocated stream and sends IncomingConnection. Writes to the returned Duplex
   * become Data frames to the client (flow-controlled: honour write()'s return value / 'drain');
   * its readable side yields the client's Data (steal answers; discarded for mirror). end() sends
   * Shutdown, destroy() sends Close; destroy(err) sends Close{reset}. The Duplex is destroyed when
   * the client closes the stream or the connection goes away.
   */
  openConnection(info: IncomingConnectionInfo): Duplex;
  /** Mirror reassembly lost [offset, offset+length) of that connection's byte stream. */
  gap(connection: Duplex, offset: bigint | number, length: number): void;
  /** A recording subscription's output (RecordedConnection/Segment/Gap, in capture order). */
  record?(msg: RecordedMsg): void;
  /** The agent ended the subscription (sends Unsubscribed with the reason). */
  closed(reason: string): void;
  /** Another session's subscription may take this one's requests (sent after Subscribed). */
  warn?(message: string, otherSessionId: number): void;
}

export interface IncomingSubscription {
  /** Where the agent's listener is bound inside the target, if any. */
  listen?: SocketAddr;
  /** Detaches at once (unsubscribe or client gone). Must not throw. */
  close(): void;
}

export interface IncomingTrafficService {
  /** Throws TunnelError (e.g. ALREADY_EXISTS, NOT_SUPPORTED, INVALID_ARGUMENT) on refusal. */
  subscribe(req: SubscribeRequest, sink: IncomingSink): Promise<IncomingSubscription>;
  /** Capability strings this service adds to HelloAck (e.g. "steal", "mirror"). */
  readonly capabilities: readonly string[];
  /** Releases everything at agent shutdown. */
  close(): Promise<void>;
}

/** The default: incoming traffic is not available on this agent. */
export class UnsupportedIncomingTrafficService implements IncomingTrafficService {
  readonly capabilities: readonly string[] = [];
  async subscribe(req: SubscribeRequest): Promise<IncomingSubscription> {
    throw new TunnelError('NOT_SUPPORTED', `subscribe ${req.transport}/${req.port} (${req.mode}): incoming traffic is not supported by this agent`);
  }
  async close(): Promise<void> {}
}
