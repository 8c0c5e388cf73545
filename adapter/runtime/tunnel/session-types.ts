// The workstation's view of one agent connection: the AgentSession interface and the objects it
// hands out (sockets, files, subscriptions). Types only, so the session's parts can all import
// it without an import circle; connectAgent (./agent-session.ts) returns the implementation.
import type { Duplex } from 'node:stream';
import type { EventEmitter } from 'node:events';
import type {
  DirEntry, HttpFilter, RemoteStat, SocketAddr, TrafficMode, Transport,
} from '#proto/runtime/types.js';

export type { DirEntry, HttpFilter, RemoteStat, SocketAddr, TrafficMode, Transport };

export interface ConnectAgentOptions {
  /** ws://host:port/kmirror/v1 (ignored for the transport when `socket` is given, but kept for messages). */
  url: string;
  token: string;
  /** Deadline for the WebSocket upgrade plus the Hello/HelloAck handshake. Default 10 s. */
  timeoutMs?: number;
  /** A pre-opened byte stream (e.g. a Kubernetes port-forward) carrying the WebSocket. */
  socket?: Duplex;
  clientName?: string;
}

/** A TCP connection opened by the agent inside the target: a net.Socket-like Duplex. */
export interface TunnelSocket extends Duplex {
  /** The agent's socket inside the target. */
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Abortive close: the agent resets the connection to the target's peer. */
  resetAndDestroy(): this;
}

export interface UdpRemoteInfo {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
  size: number;
}

/** A UDP socket opened by the agent inside the target. Events: 'message' (buf, rinfo), 'close', 'error'. */
export interface TunnelUdpSocket extends EventEmitter {
  /** The agent's bound address inside the target. */
  address(): SocketAddr;
  send(payload: Uint8Array, to: SocketAddr): void;
  close(): Promise<void>;
}

/** A file opened inside the target's root; reads are served from an agent-side read-ahead. */
export interface RemoteFile {
  readonly path: string;
  readonly stat: RemoteStat;
  /** Reads up to `length` bytes at `offset`; a shorter (or empty) buffer means end of file. */
  read(offset: number, length: number): Promise<Buffer>;
  /** Opened with write access: writes `data` at `offset` (at the end with `append`); resolves with the new size. */
  write?(offset: number, data: Uint8Array): Promise<number>;
  /** Opened with write access: sets the size; resolves with it. */
  truncate?(size: number): Promise<number>;
  close(): Promise<void>;
}

/** open(2)-like write access for openFile (all unset: read-only). */
export interface OpenFileOptions {
  write?: boolean;
  create?: boolean;
  truncate?: boolean;
  append?: boolean;
  exclusive?: boolean;
  /** Permission bits of a created file (default 0644). */
  createMode?: number;
}

/** One stolen or mirrored connection delivered by the agent. Events: 'gap' (offset, length) for mirror. */
export interface IncomingConnection extends Duplex {
  readonly source: SocketAddr;
  /** The original destination inside the target. */
  readonly destination: SocketAddr;
  readonly mode: TrafficMode;
  readonly transport: Transport;
}

export interface SubscribeOptions {
  port: number;
  mode: TrafficMode;
  transport?: Transport;
  httpFilter?: HttpFilter;
}

/** A port subscription. Events: 'closed' (reason) when the agent ends it. */
export interface Subscription extends EventEmitter {
  readonly port: number;
  readonly mode: TrafficMode;
  /** Where the agent's listener is bound inside the target (steal), if it reports one. */
  readonly listen?: SocketAddr;
  close(): Promise<void>;
}

/** A Node inspector opened in the target (InspectorOpen), held for this session until release(). */
export interface OpenedInspector {
  /** The process, as a pid inside the target's PID namespace. */
  readonly pid: number;
  readonly command: string;
  /** The inspector's port on the target's 127.0.0.1 (reach it with connectTcp). */
  readonly port: number;
  /** The inspector was already listening (no signal was sent). */
  readonly alreadyOpen: boolean;
  /** Ends the hold on the process (another session may attach); the inspector stays open. */
  release(): void;
}

/** Events: 'close' (reason: string), 'error' (TunnelError). */
export interface AgentSession extends EventEmitter {
  /** What the agent serves, e.g. "pid/1234" or "netns/demo". */
  readonly target: string;
  readonly capabilities: ReadonlySet<string>;
  readonly closed: boolean;
  /** allowHalfOpen (default false, like net.Socket): keep writing after the target's FIN (relays want true). */
  connectTcp(host: string, port: number, opts?: { timeoutMs?: number; allowHalfOpen?: boolean }): Promise<TunnelSocket>;
  openUdp(opts?: { ipv6?: boolean }): Promise<TunnelUdpSocket>;
  /** Resolves with the target's /etc/hosts and resolv.conf (queries sent from inside its netns). */
  resolve(name: string, family?: 0 | 4 | 6): Promise<string[]>;
  /** Sends a raw DNS wire query to the target's nameserver (or `server`) and returns the answer. */
  dnsQuery(packet: Uint8Array, server?: SocketAddr): Promise<Buffer>;
  openFile(path: string, opts?: OpenFileOptions): Promise<RemoteFile>;
  readFile(path: string): Promise<Buffer>;
  /**
   * Writes `data` as the file's content (created if missing, else truncated), or appends it
   * (`append`). Optional: a session that cannot write (an older client wrapper) lacks it.
   */
  writeFile?(path: string, data: Uint8Array, opts?: { append?: boolean; createMode?: number }): Promise<void>;
  stat(path: string, opts?: { noFollow?: boolean }): Promise<RemoteStat>;
  readdir(path: string): Promise<DirEntry[]>;
  env(): Promise<Record<string, string>>;
  subscribe(opts: SubscribeOptions, onConnection: (conn: IncomingConnection) => void): Promise<Subscription>;
  /**
   * Opens the Node inspector of process `pid` (inside the target's PID namespace; 0 = the target's
   * main process) and holds it for this session. Optional: agents without `node-inspector` lack it.
   */
  openNodeInspector?(opts: { pid: number; port?: number; timeoutMs?: number }): Promise<OpenedInspector>;
  /** Round-trip time in milliseconds. */
  ping(): Promise<number>;
  close(): Promise<void>;
}
