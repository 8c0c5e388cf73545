// The workstation's view of one agent connection: the AgentSession interface and the objects it
// hands out (sockets, files, subscriptions). Types only, so the session's parts can all import
// it without an import circle; connectAgent (./agent-session.ts) returns the implementation.
import type { Duplex } from 'node:stream';
import type { EventEmitter } from 'node:events';
import type { MsgOf } from '#proto/runtime/messages.js';
import type { SnapshotKind, SnapshotResult, TraceOptions, TraceSession } from '../trace/trace-types.js';
import type {
  DirEntry, HttpFilter, RemoteStat, SocketAddr, TrafficMode, Transport,
} from '#proto/runtime/types.js';
import type { SessionIdentity } from '#proto/runtime/handshake.js';

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
  /** Who opens the session, shown to other sessions of a shared agent (default: this process's user, host, pid). */
  identity?: SessionIdentity;
  /** Tunnel protocol version to announce (tests of a version mismatch); default PROTOCOL_VERSION. */
  protocolVersion?: number;
}

/** One session of an agent as `kmirror sessions` shows it (SessionsList). */
export type AgentSessionInfo = MsgOf<'sessionsList'>['sessions'][number];

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

/** One directory/name change or statfs, as the tunnel's FsMkdir/FsRemove/FsRename/FsStatfsRequest. */
export type FsChange =
  | { kind: 'fsMkdir'; path: string; mode: number }
  | { kind: 'fsRemove'; path: string; directory: boolean }
  | { kind: 'fsRename'; fromPath: string; toPath: string }
  | { kind: 'fsStatfsRequest'; path: string };
export interface FsChangeResult {
  errnoCode: number;
  message: string;
  statfs?: { type: number; bsize: number; blocks: number; bfree: number; bavail: number; files: number; ffree: number; namelen: number };
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
  /**
   * Mirror only (agent capability "record"): instead of connections, onRecorded receives both
   * directions of every connection to the port, in capture order.
   */
  record?: boolean;
  onRecorded?: (msg: RecordedMessage) => void;
}

/** What a recording subscription delivers (tunnel messages RecordedConnection/Segment/Gap). */
export type RecordedMessage = MsgOf<'recordedConnection'> | MsgOf<'recordedSegment'> | MsgOf<'recordedGap'>;

/**
 * A port subscription. Events: 'closed' (reason) when the agent ends it; 'warning' (message) when
 * another session of a shared agent subscribes a filter that can match the same requests.
 */
export interface Subscription extends EventEmitter {
  readonly port: number;
  readonly mode: TrafficMode;
  /** Warnings received so far (some arrive before a listener can be attached). */
  readonly warnings?: readonly string[];
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

/** A process of the target checked for a debugger kind and held for this session (ProcessHold) until release(). */
export interface HeldProcess {
  /** The process, as a pid inside the target's PID namespace. */
  readonly pid: number;
  readonly command: string;
  /** What the agent's check found (e.g. "Go executable /app/server"). */
  readonly detail: string;
  /** Ends the hold (another session may attach). */
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
  /** A Unix stream socket at `path` in the target's root (agents with `unix-connect`). Optional like writeFile. */
  connectUnix?(path: string, opts?: { allowHalfOpen?: boolean }): Promise<TunnelSocket>;
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
  /**
   * mkdir/unlink/rmdir/rename/statfs in the target (agents with the `fs-mutate` capability).
   * Resolves with the errno (0: done) and, for statfs, the numbers. Optional like writeFile.
   */
  fsChange?(op: FsChange): Promise<FsChangeResult>;
  readdir(path: string): Promise<DirEntry[]>;
  env(): Promise<Record<string, string>>;
  subscribe(opts: SubscribeOptions, onConnection: (conn: IncomingConnection) => void): Promise<Subscription>;
  /** The sessions the agent serves now (capability 'sessions'); optional for wrappers that predate it. */
  sessions?(): Promise<AgentSessionInfo[]>;
  /** This session's number on the agent (HelloAck.session_id), when the agent reports one. */
  readonly sessionId?: number;
  /** Starts eBPF trace gadgets in the agent (use trace/trace-client.ts's startTrace, which checks the capability). */
  startTrace?(opts: TraceOptions): Promise<TraceSession>;
  /** The target's processes and/or sockets (use trace/trace-client.ts's takeSnapshot). */
  snapshot?(kinds: readonly SnapshotKind[]): Promise<SnapshotResult>;
  /**
   * Opens the Node inspector of process `pid` (inside the target's PID namespace; 0 = the target's
   * main process) and holds it for this session. Optional: agents without `node-inspector` lack it.
   */
  openNodeInspector?(opts: { pid: number; port?: number; timeoutMs?: number }): Promise<OpenedInspector>;
  /**
   * Checks that process `pid` (0: the target's main process) is a `debugger` program and holds it
   * for this session. Optional: agents without `process-hold` lack it.
   */
  holdProcess?(opts: { pid: number; debugger: 'go' | 'python' }): Promise<HeldProcess>;
  /** Round-trip time in milliseconds. */
  ping(): Promise<number>;
  close(): Promise<void>;
}
