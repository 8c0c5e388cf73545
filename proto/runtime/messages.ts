// Domain form of every tunnel message: a discriminated union keyed by `kind` (= the Frame oneof
// case name). Enums are names, bytes are Buffers, addresses are SocketAddr. Only
// proto/runtime/codec.ts sees the generated protobufjs types.
import type {
  DirEntry, ErrorCodeName, HttpFilter, RemoteStat, SocketAddr, TrafficMode, Transport,
} from './types.js';

export type Msg =
  | { kind: 'hello'; protocolVersion: number; capabilities: string[]; token: string; clientName: string }
  | { kind: 'helloAck'; protocolVersion: number; capabilities: string[]; agentVersion: string; target: string; maxFrameBytes: number }
  | { kind: 'ping'; nonce: number }
  | { kind: 'pong'; nonce: number }
  | { kind: 'error'; code: ErrorCodeName; message: string }
  | { kind: 'tcpConnect'; host: string; port: number; initialWindow: number; timeoutMs: number }
  | { kind: 'tcpConnected'; local: SocketAddr; remote: SocketAddr; initialWindow: number }
  | { kind: 'data'; payload: Buffer }
  | { kind: 'windowUpdate'; increment: number }
  | { kind: 'shutdown' }
  | { kind: 'close'; reset: boolean; reason: string }
  | { kind: 'udpOpen'; ipv6: boolean }
  | { kind: 'udpOpened'; local: SocketAddr }
  | { kind: 'udpDatagram'; peer: SocketAddr; payload: Buffer }
  | { kind: 'resolveRequest'; name: string; family: 0 | 4 | 6 }
  | { kind: 'resolveResponse'; addresses: string[]; source: string }
  | { kind: 'dnsQuery'; packet: Buffer; server?: SocketAddr }
  | { kind: 'dnsAnswer'; packet: Buffer }
  | { kind: 'fileOpen'; path: string; write?: boolean; create?: boolean; truncate?: boolean; append?: boolean; exclusive?: boolean; createMode?: number }
  | { kind: 'fileOpened'; stat: RemoteStat }
  | { kind: 'fileRead'; offset: number; length: number }
  | { kind: 'fileData'; offset: number; data: Buffer; eof: boolean }
  | { kind: 'fileStatRequest'; path: string; noFollow: boolean }
  | { kind: 'fileStat'; stat: RemoteStat }
  | { kind: 'fileReaddir'; path: string }
  | { kind: 'fileReaddirResult'; entries: DirEntry[] }
  | { kind: 'fileClose' }
  | { kind: 'fileWrite'; offset: number; data: Buffer }
  | { kind: 'fileTruncate'; size: number }
  | { kind: 'fileWritten'; length: number; size: number }
  | { kind: 'envRequest' }
  | { kind: 'envResponse'; vars: Record<string, string> }
  | { kind: 'subscribe'; port: number; mode: TrafficMode; transport: Transport; httpFilter?: HttpFilter }
  | { kind: 'subscribed'; listen?: SocketAddr }
  | { kind: 'unsubscribe' }
  | { kind: 'incomingConnection'; subscriptionStreamId: number; source: SocketAddr; destination: SocketAddr; mode: TrafficMode; initialWindow: number; transport: Transport }
  | { kind: 'mirrorGap'; offset: number; length: number }
  | { kind: 'unsubscribed'; reason: string };

export type MsgKind = Msg['kind'];
export type MsgOf<K extends MsgKind> = Extract<Msg, { kind: K }>;

/** One decoded frame. `msg` is undefined when the body is a message this side does not know. */
export interface Frame {
  streamId: number;
  msg?: Msg;
}
