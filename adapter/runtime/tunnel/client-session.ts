// Implementation of AgentSession: a WebSocket (direct, or over a pre-opened byte stream such as a
// Kubernetes port-forward) carrying one tunnel connection, with each API call a stream.
import { EventEmitter } from 'node:events';
import os from 'node:os';
import WebSocket from 'ws';
import { DEFAULT_STREAM_WINDOW, type TunnelByteStream } from '#proto/runtime/byte-stream.js';
import { hasCapability } from '#proto/runtime/capabilities.js';
import { TunnelConnection } from '#proto/runtime/connection.js';
import { TunnelError } from '#proto/runtime/errors.js';
import { DEFAULT_MAX_FRAME_BYTES } from '#proto/runtime/framing.js';
import { clientHandshake, type SessionIdentity } from '#proto/runtime/handshake.js';
import type { Frame } from '#proto/runtime/messages.js';
import { WebSocketTransport } from '#proto/runtime/transport.js';
import type { DirEntry, RemoteStat, SocketAddr, Transport } from '#proto/runtime/types.js';
import type {
  AgentSession, AgentSessionInfo, ConnectAgentOptions, FsChange, FsChangeResult, IncomingConnection, HeldProcess, OpenedInspector, OpenFileOptions, RemoteFile, SubscribeOptions, Subscription, TunnelSocket, TunnelUdpSocket,
} from './session-types.js';
import { RemoteFileImpl } from './remote-file.js';
import { request } from './requests.js';
import { SubscriptionImpl } from './subscription.js';
import { TraceStreamImpl } from '../trace/trace-stream.js';
import type { SnapshotKind, SnapshotResult, TraceGadget, TraceOptions, TraceSession } from '../trace/trace-types.js';
import { IncomingConnectionImpl, TunnelSocketImpl } from './tunnel-socket.js';
import { TunnelUdpSocketImpl } from './tunnel-udp.js';
import { untilFlushedOrIdle } from './until-flushed.js';

const READ_FILE_CHUNK = 1024 * 1024;
const ADDRESS_FAMILIES = { 0: 'any', 4: 'ipv4', 6: 'ipv6' } as const;

function openWebSocket(opts: ConnectAgentOptions, timeoutMs: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(opts.url, {
      perMessageDeflate: false,
      maxPayload: 4 * DEFAULT_MAX_FRAME_BYTES,
      handshakeTimeout: timeoutMs,
      // A zero mask makes ws skip masking (a per-byte XOR in JS without bufferutil). Masking only
      // protects browsers' caching intermediaries from script-crafted frames; the tunnel runs
      // between our own processes, directly or through a port-forward, and is token-authenticated.
      generateMask: (mask: Buffer) => { mask.fill(0); },
      // Safe: ws only calls createConnection to get the byte stream it speaks HTTP/WebSocket on.
      ...(opts.socket ? { createConnection: (() => opts.socket) as unknown as WebSocket.ClientOptions['createConnection'] } : {}),
    });
    ws.once('open', () => { ws.removeAllListeners('error'); resolve(ws); });
    ws.once('error', (err: Error) => {
      const code = /ECONNREFUSED/.test(err.message) ? 'CONNECTION_REFUSED' : /timed out|timeout/i.test(err.message) ? 'TIMED_OUT' : 'UNAVAILABLE';
      reject(new TunnelError(code, `connect to agent ${opts.url}: ${err.message}`, { cause: err }));
    });
  });
}

/** This process as other sessions of a shared agent see it (local user name, host, start, pid). */
export function defaultIdentity(): SessionIdentity {
  let user = process.env.USER ?? '';
  try { user = os.userInfo().username; } catch { /* a uid without a passwd entry (containers) */ }
  return { user: user || `uid ${process.getuid?.() ?? '?'}`, host: os.hostname(), startedAtMs: Math.round(performance.timeOrigin), clientPid: process.pid };
}

/** Connects, runs the handshake, and returns the session. */
export async function openClientSession(opts: ConnectAgentOptions): Promise<AgentSession> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const ws = await openWebSocket(opts, timeoutMs);
  const conn = new TunnelConnection(new WebSocketTransport(ws), { role: 'client' });
  try {
    const ack = await clientHandshake(conn, {
      token: opts.token, clientName: opts.clientName ?? 'kmirror', timeoutMs: Math.max(1, deadline - Date.now()),
      identity: opts.identity ?? defaultIdentity(), ...(opts.protocolVersion ? { protocolVersion: opts.protocolVersion } : {}),
    });
    return new ClientAgentSession(conn, ack.target, new Set(ack.capabilities), ack.sessionId);
  } catch (err) {
    conn.close('handshake failed');
    throw err;
  }
}

class ClientAgentSession extends EventEmitter implements AgentSession {
  private readonly subscriptions = new Map<number, SubscriptionImpl>();
  /** Open byte streams (outgoing and incoming): close() lets those that ended hand over their last bytes. */
  private readonly byteStreams = new Set<TunnelByteStream>();

  constructor(private readonly conn: TunnelConnection, readonly target: string, readonly capabilities: ReadonlySet<string>, readonly sessionId?: number) {
    super();
    conn.on('close', (err: TunnelError) => {
      if (err.code !== 'UNAVAILABLE' && this.listenerCount('error') > 0) this.emit('error', err);
      this.emit('close', err.message);
    });
    conn.on('stream', (frame: Frame) => this.onAgentStream(frame));
  }

  get closed(): boolean {
    return this.conn.closed;
  }

  async connectTcp(host: string, port: number, opts: { timeoutMs?: number; allowHalfOpen?: boolean } = {}): Promise<TunnelSocket> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    let socket: TunnelSocketImpl | undefined;
    await request(this.conn, { kind: 'tcpConnect', host, port, initialWindow: DEFAULT_STREAM_WINDOW, timeoutMs }, 'tcpConnected', `connect ${host}:${port} in ${this.target}`, {
      timeoutMs: timeoutMs + 5_000,
      keep: (id, ok) => {
        socket = this.track(new TunnelSocketImpl(this.conn, id, { sendWindow: ok.initialWindow || DEFAULT_STREAM_WINDOW, recvWindow: DEFAULT_STREAM_WINDOW, allowHalfOpen: opts.allowHalfOpen ?? false, local: ok.local, remote: ok.remote }));
      },
    });
    // Safe: `keep` ran synchronously before the request resolved.
    return socket!;
  }

  async connectUnix(path: string, opts: { allowHalfOpen?: boolean } = {}): Promise<TunnelSocket> {
    if (!hasCapability(this, 'unix-connect')) throw new TunnelError('NOT_SUPPORTED', `${this.target}: this agent cannot connect Unix sockets (no unix-connect capability)`);
    let socket: TunnelSocketImpl | undefined;
    await request(this.conn, { kind: 'unixConnect', path, initialWindow: DEFAULT_STREAM_WINDOW }, 'tcpConnected', `connect unix:${path} in ${this.target}`, {
      timeoutMs: 15_000,
      keep: (id, ok) => {
        socket = this.track(new TunnelSocketImpl(this.conn, id, { sendWindow: ok.initialWindow || DEFAULT_STREAM_WINDOW, recvWindow: DEFAULT_STREAM_WINDOW, allowHalfOpen: opts.allowHalfOpen ?? false, local: ok.local, remote: ok.remote }));
      },
    });
    // Safe: `keep` ran synchronously before the request resolved.
    return socket!;
  }

  async openUdp(opts: { ipv6?: boolean } = {}): Promise<TunnelUdpSocket> {
    let udp: TunnelUdpSocketImpl | undefined;
    await request(this.conn, { kind: 'udpOpen', ipv6: opts.ipv6 ?? false }, 'udpOpened', `udp open in ${this.target}`, {
      keep: (id, ok) => { udp = new TunnelUdpSocketImpl(this.conn, id, ok.local); },
    });
    return udp!;
  }

  async resolve(name: string, family: 0 | 4 | 6 = 0): Promise<string[]> {
    const r = await request(this.conn, { kind: 'resolveRequest', name, family: ADDRESS_FAMILIES[family] }, 'resolveResponse', `resolve ${name} in ${this.target}`);
    return r.addresses;
  }

  async dnsQuery(packet: Uint8Array, server?: SocketAddr): Promise<Buffer> {
    const r = await request(this.conn, { kind: 'dnsQuery', packet: Buffer.from(packet), ...(server ? { server } : {}) }, 'dnsAnswer', `dns query in ${this.target}`);
    return r.packet;
  }

  async openFile(path: string, opts: OpenFileOptions = {}): Promise<RemoteFile> {
    let file: RemoteFileImpl | undefined;
    const access = opts.write ? { write: true, create: !!opts.create, truncate: !!opts.truncate, append: !!opts.append, exclusive: !!opts.exclusive, createMode: opts.createMode ?? 0 } : {};
    await request(this.conn, { kind: 'fileOpen', path, ...access }, 'fileOpened', `open ${path} in ${this.target}`, {
      keep: (id, ok) => { file = new RemoteFileImpl(this.conn, id, path, ok.stat); },
    });
    return file!;
  }

  async readFile(path: string): Promise<Buffer> {
    const file = await this.openFile(path);
    try {
      const parts: Buffer[] = [];
      for (let offset = 0; ;) {
        const chunk = await file.read(offset, READ_FILE_CHUNK);
        if (chunk.length === 0) break;
        parts.push(chunk);
        offset += chunk.length;
      }
      return Buffer.concat(parts);
    } finally {
      await file.close();
    }
  }

  async writeFile(path: string, data: Uint8Array, opts: { append?: boolean; createMode?: number } = {}): Promise<void> {
    const file = await this.openFile(path, { write: true, create: true, truncate: !opts.append, append: !!opts.append, ...(opts.createMode ? { createMode: opts.createMode } : {}) });
    try {
      for (let offset = 0; offset < data.length; offset += READ_FILE_CHUNK) {
        // Safe: a file opened with write access by this session always has write().
        await file.write!(offset, data.subarray(offset, offset + READ_FILE_CHUNK));
      }
    } finally {
      await file.close();
    }
  }

  async stat(path: string, opts: { noFollow?: boolean } = {}): Promise<RemoteStat> {
    const { kind: _kind, ...stat } = await request(this.conn, { kind: 'fileStatRequest', path, noFollow: opts.noFollow ?? false }, 'fileStat', `stat ${path} in ${this.target}`);
    return stat;
  }

  async fsChange(op: FsChange): Promise<FsChangeResult> {
    if (!hasCapability(this, 'fs-mutate')) throw new TunnelError('NOT_SUPPORTED', `${this.target}: this agent cannot change directories or names (no fs-mutate capability)`);
    const { kind: _kind, ...result } = await request(this.conn, op, 'fsResult', `${op.kind} in ${this.target}`);
    return result;
  }

  async readdir(path: string): Promise<DirEntry[]> {
    return (await request(this.conn, { kind: 'fileReaddir', path }, 'fileReaddirResult', `readdir ${path} in ${this.target}`)).entries;
  }

  async env(): Promise<Record<string, string>> {
    return (await request(this.conn, { kind: 'envRequest' }, 'envResponse', `env of ${this.target}`)).vars;
  }

  async sessions(): Promise<AgentSessionInfo[]> {
    if (!hasCapability(this, 'sessions')) throw new TunnelError('NOT_SUPPORTED', `sessions of ${this.target}: the agent does not announce 'sessions' (an older agent)`);
    return (await request(this.conn, { kind: 'sessionsRequest' }, 'sessionsList', `sessions of ${this.target}`)).sessions;
  }

  async subscribe(opts: SubscribeOptions, onConnection: (conn: IncomingConnection) => void): Promise<Subscription> {
    let sub: SubscriptionImpl | undefined;
    const transport = opts.transport ?? 'tcp';
    this.requireSubscribeFeatures(opts, transport);
    await request(this.conn, { kind: 'subscribe', port: opts.port, mode: opts.mode, transport, ...(opts.httpFilter ? { httpFilter: opts.httpFilter } : {}), ...(opts.record ? { record: true } : {}) }, 'subscribed',
      `subscribe ${transport}/${opts.port} (${opts.mode}) in ${this.target}`, {
        keep: (id, ok) => {
          sub = new SubscriptionImpl(this.conn, id, opts.port, opts.mode, onConnection, ok.listen, opts.onRecorded);
          this.subscriptions.set(id, sub);
          sub.once('closed', () => this.subscriptions.delete(id));
        },
      });
    return sub!;
  }

  async startTrace(opts: TraceOptions): Promise<TraceSession> {
    let trace: TraceStreamImpl | undefined;
    const filter = opts.filter ? { pids: opts.filter.pids ?? [], comm: opts.filter.comm ?? '', ports: opts.filter.ports ?? [] } : undefined;
    await request(this.conn, { kind: 'traceStart', gadgets: [...opts.gadgets], ...(filter ? { filter } : {}), maxEventsPerSecond: opts.maxEventsPerSecond ?? 0 }, 'traceStarted',
      `trace ${opts.gadgets.join(',')} in ${this.target}`, {
        timeoutMs: opts.timeoutMs ?? 30_000,
        // Safe: the agent starts only gadgets it validated against the same list.
        keep: (id, ok) => { trace = new TraceStreamImpl(this.conn, id, ok.gadgets as TraceGadget[], ok.netns); },
      });
    return trace!;
  }

  async snapshot(kinds: readonly SnapshotKind[]): Promise<SnapshotResult> {
    const { kind: _kind, ...result } = await request(this.conn, { kind: 'snapshotRequest', kinds: [...kinds] }, 'snapshotResult', `snapshot of ${this.target}`);
    return result;
  }

  /**
   * An agent that steals but predates a steal feature would ignore the field that asks for it
   * (and steal everything): refuse here. Without steal at all, the agent itself says why.
   */
  private requireSubscribeFeatures(opts: SubscribeOptions, transport: Transport): void {
    if (opts.record && !hasCapability(this, 'record')) throw new TunnelError('NOT_SUPPORTED', `record tcp/${opts.port} in ${this.target}: the agent does not announce record (an older agent)`);
    if (opts.mode === 'mirror' && transport === 'udp' && !hasCapability(this, 'mirror-udp')) throw new TunnelError('NOT_SUPPORTED', `mirror udp/${opts.port} in ${this.target}: the agent does not announce mirror-udp (steal the port instead)`);
    if (opts.mode !== 'steal' || !hasCapability(this, 'steal')) return;
    const missing = opts.httpFilter && !hasCapability(this, 'steal-http-filter') ? 'steal-http-filter'
      : transport === 'udp' && !hasCapability(this, 'steal-udp') ? 'steal-udp' : undefined;
    if (missing) throw new TunnelError('NOT_SUPPORTED', `subscribe ${transport}/${opts.port} (steal) in ${this.target}: the agent does not announce ${missing}`);
  }

  /** The agent opened a stream: an incoming connection for one of our subscriptions. */
  private onAgentStream(frame: Frame): void {
    const msg = frame.msg;
    if (msg?.kind !== 'incomingConnection') {
      this.conn.sendStreamError(frame.streamId, 'PROTOCOL_VIOLATION', `stream ${frame.streamId}: the agent may only open incoming connections, not ${msg?.kind}`);
      return;
    }
    const sub = this.subscriptions.get(msg.subscriptionStreamId);
    if (!sub?.active) {
      this.conn.sendStreamError(frame.streamId, 'NOT_FOUND', `incoming connection for unknown subscription ${msg.subscriptionStreamId}`);
      return;
    }
    const connection = this.track(new IncomingConnectionImpl(this.conn, frame.streamId, {
      sendWindow: msg.initialWindow || DEFAULT_STREAM_WINDOW, recvWindow: DEFAULT_STREAM_WINDOW, allowHalfOpen: false,
      source: msg.source, destination: msg.destination, mode: msg.mode, transport: msg.transport,
    }));
    sub.track(connection);
    try {
      sub.onConnection(connection);
    } catch (err) {
      connection.destroy(err as Error);
    }
  }

  async openNodeInspector(opts: { pid: number; port?: number; timeoutMs?: number }): Promise<OpenedInspector> {
    if (!hasCapability(this, 'node-inspector')) throw new TunnelError('NOT_SUPPORTED', `attach in ${this.target}: the agent does not announce node-inspector (an older agent image?)`);
    const waitMs = opts.timeoutMs ?? 5_000;
    let release = (): void => undefined;
    const ok = await request(this.conn, { kind: 'inspectorOpen', pid: opts.pid, port: opts.port ?? 0, timeoutMs: waitMs }, 'inspectorOpened',
      `attach to process ${opts.pid || '(main)'} in ${this.target}`, {
        timeoutMs: waitMs + 10_000,
        keep: (id) => {
          release = () => {
            release = () => undefined;
            if (this.conn.closed) return;
            this.conn.send(id, { kind: 'close', reset: false, reason: 'detached' });
            this.conn.detach(id);
          };
        },
      });
    return { pid: ok.pid, command: ok.command, port: ok.port, alreadyOpen: ok.alreadyOpen, release: () => release() };
  }

  async holdProcess(opts: { pid: number; debugger: 'go' | 'python' }): Promise<HeldProcess> {
    if (!hasCapability(this, 'process-hold')) throw new TunnelError('NOT_SUPPORTED', `attach in ${this.target}: the agent does not announce process-hold (an older agent image?)`);
    let release = (): void => undefined;
    const ok = await request(this.conn, { kind: 'processHold', pid: opts.pid, debugger: opts.debugger }, 'processHeld',
      `attach to process ${opts.pid || '(main)'} in ${this.target}`, {
        timeoutMs: 15_000,
        keep: (id) => {
          release = () => {
            release = () => undefined;
            if (this.conn.closed) return;
            this.conn.send(id, { kind: 'close', reset: false, reason: 'detached' });
            this.conn.detach(id);
          };
        },
      });
    return { pid: ok.pid, command: ok.command, detail: ok.detail, release: () => release() };
  }

  ping(): Promise<number> {
    return this.conn.ping();
  }

  private track<S extends TunnelByteStream>(stream: S): S {
    this.byteStreams.add(stream);
    stream.once('close', () => this.byteStreams.delete(stream));
    return stream;
  }

  /**
   * Closes the tunnel once every stream whose writer has ended handed its last bytes and Shutdown
   * to it (paced by the agent's window; see until-flushed.ts): the agent delivers them after the
   * session is gone. Streams still open both ways are cut (their peers see a reset).
   */
  async close(): Promise<void> {
    if (this.conn.closed) return;
    await Promise.all([...this.byteStreams].filter((s) => s.writableEnded).map((s) => untilFlushedOrIdle(s)));
    if (this.conn.closed) return;
    const closed = new Promise<void>((resolve) => this.conn.once('close', () => resolve()));
    this.conn.close('client closed the session');
    await closed;
  }
}
