// An AgentSession that survives the loss of its transport: when the current session closes
// without being asked to (port-forward dropped, agent killed, target pod replaced), it calls
// `reconnect` until a new session is up, re-subscribes every port subscription, and reports the
// gap as a 'status' event. Calls made during the gap wait for the new session (bounded by the
// reconnect deadline). Connections that were open on the old session are lost: the agent's
// sockets died with it.
//
// Concurrency: one reconnect loop at a time (`reconnecting` promise); subscriptions keep their
// identity across reconnects, so callers never re-register.
import { EventEmitter } from 'node:events';
import type { SnapshotKind, SnapshotResult, TraceOptions, TraceSession } from '../trace/trace-types.js';
import type {
  AgentSession, AgentSessionInfo, FsChange, FsChangeResult, HeldProcess, IncomingConnection, OpenedInspector, OpenFileOptions, RemoteFile, RemoteStat, DirEntry, SocketAddr, SubscribeOptions, Subscription,
  TunnelSocket, TunnelUdpSocket,
} from '../tunnel/agent-session.js';
import { TunnelError } from '../tunnel/agent-session.js';

/** How long close() waits for a reconnect in flight to finish placing and remove what it placed. */
const CLOSE_WAITS_FOR_RECONNECT_MS = 15_000;

export type ReconnectStatus =
  | { type: 'disconnected'; reason: string }
  | { type: 'reconnected'; gapMs: number; attempts: number; note?: string; resubscribed: number; failedSubscriptions: number }
  | { type: 'reconnect-failed'; reason: string; gapMs: number };

export interface ReconnectingOptions {
  /** Give up after this long without a session. */
  reconnectTimeoutMs: number;
  /** Pause between failed attempts. */
  retryDelayMs?: number;
  now?: () => number;
}

/** Returns a new session, plus a note for the status event (e.g. "new agent", "new pod web-2"). */
export type Reconnector = (attempt: number, reason: string) => Promise<{ session: AgentSession; note?: string }>;

class ResilientSubscription extends EventEmitter implements Subscription {
  inner: Subscription | undefined;
  constructor(readonly opts: SubscribeOptions, readonly onConnection: (conn: IncomingConnection) => void) { super(); }
  get port(): number { return this.opts.port; }
  get mode(): SubscribeOptions['mode'] { return this.opts.mode; }
  get listen(): SocketAddr | undefined { return this.inner?.listen; }
  /** Overlap warnings of every inner subscription (a shared agent's other sessions). */
  readonly warnings: string[] = [];
  closeHook: () => Promise<void> = async () => undefined;
  close(): Promise<void> { return this.closeHook(); }
}

export class ReconnectingAgentSession extends EventEmitter implements AgentSession {
  private current: AgentSession;
  private reconnecting: Promise<AgentSession> | undefined;
  private closing = false;
  private finalReason: string | undefined;
  private readonly subs = new Set<ResilientSubscription>();

  constructor(first: AgentSession, private readonly reconnect: Reconnector, private readonly opts: ReconnectingOptions) {
    super();
    this.current = first;
    this.watch(first);
  }

  get target(): string { return this.current.target; }
  get capabilities(): ReadonlySet<string> { return this.current.capabilities; }
  get closed(): boolean { return this.finalReason !== undefined; }
  /** The session currently carrying traffic. */
  get session(): AgentSession { return this.current; }

  /** Drops the current session on purpose (e.g. the target pod was replaced) and reconnects. */
  forceReconnect(reason: string): void {
    if (this.closing || this.reconnecting) return;
    this.startReconnect(reason);
    void this.current.close().catch(() => undefined);
  }

  private watch(session: AgentSession): void {
    session.once('close', (reason: unknown) => {
      if (session !== this.current || this.closing || this.reconnecting) return;
      this.startReconnect(typeof reason === 'string' && reason ? reason : 'agent session closed');
    });
    session.on('error', (err: unknown) => { if (session === this.current) this.emit('warning', `agent session error: ${(err as Error).message}`); });
  }

  private startReconnect(reason: string): void {
    const now = this.opts.now ?? Date.now;
    const started = now();
    this.emit('status', { type: 'disconnected', reason } satisfies ReconnectStatus);
    this.reconnecting = this.loop(reason, started).finally(() => { this.reconnecting = undefined; });
    this.reconnecting.catch(() => undefined);
  }

  private async loop(reason: string, started: number): Promise<AgentSession> {
    const now = this.opts.now ?? Date.now;
    let attempt = 0;
    let lastError = reason;
    while (!this.closing) {
      if (now() - started > this.opts.reconnectTimeoutMs) break;
      attempt += 1;
      try {
        const { session, note } = await this.reconnect(attempt, lastError);
        if (this.closing) { await session.close().catch(() => undefined); break; }
        this.current = session;
        this.watch(session);
        const { ok, failed } = await this.resubscribe(session);
        this.emit('status', {
          type: 'reconnected', gapMs: now() - started, attempts: attempt, resubscribed: ok, failedSubscriptions: failed,
          ...(note ? { note } : {}),
        } satisfies ReconnectStatus);
        return session;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
        await new Promise((r) => setTimeout(r, this.opts.retryDelayMs ?? 200));
      }
    }
    const why = this.closing ? 'session closed' : `could not reconnect within ${this.opts.reconnectTimeoutMs} ms: ${lastError}`;
    if (!this.closing) {
      this.emit('status', { type: 'reconnect-failed', reason: why, gapMs: now() - started } satisfies ReconnectStatus);
      this.finish(why);
    }
    throw new Error(why);
  }

  private async resubscribe(session: AgentSession): Promise<{ ok: number; failed: number }> {
    let ok = 0;
    let failed = 0;
    for (const sub of this.subs) {
      try {
        sub.inner = await session.subscribe(sub.opts, sub.onConnection);
        this.forwardClosed(sub, sub.inner);
        ok += 1;
      } catch (err) {
        failed += 1;
        this.subs.delete(sub);
        sub.emit('closed', `re-subscribing port ${sub.port} after reconnect failed: ${(err as Error).message}`);
      }
    }
    return { ok, failed };
  }

  private forwardClosed(sub: ResilientSubscription, inner: Subscription): void {
    // Warnings that arrived before this listener (in the subscribe answer) first, then live ones.
    for (const w of inner.warnings ?? []) { sub.warnings.push(w); sub.emit('warning', w); }
    inner.on('warning', (w: string) => { if (sub.inner === inner) { sub.warnings.push(w); sub.emit('warning', w); } });
    // An agent-side end of the subscription (not a lost session) ends the resilient one too.
    inner.once('closed', (why: string) => {
      // A lost session is the reconnect loop's business; only a live session's refusal ends `sub`.
      if (sub.inner !== inner || this.reconnecting || this.current.closed) return;
      this.subs.delete(sub);
      sub.emit('closed', why);
    });
  }

  private finish(reason: string): void {
    if (this.finalReason !== undefined) return;
    this.finalReason = reason;
    for (const sub of this.subs) sub.emit('closed', reason);
    this.subs.clear();
    this.emit('close', reason);
  }

  /** The live session, waiting for a reconnect in progress. */
  private async live(): Promise<AgentSession> {
    if (this.finalReason !== undefined) throw new Error(`agent session closed: ${this.finalReason}`);
    return this.reconnecting ?? this.current;
  }

  async connectTcp(host: string, port: number, opts?: { timeoutMs?: number }): Promise<TunnelSocket> { return (await this.live()).connectTcp(host, port, opts); }
  async openUdp(opts?: { ipv6?: boolean }): Promise<TunnelUdpSocket> { return (await this.live()).openUdp(opts); }
  async connectUnix(path: string, opts?: { allowHalfOpen?: boolean }): Promise<TunnelSocket> {
    const session = await this.live();
    if (!session.connectUnix) throw new TunnelError('NOT_SUPPORTED', 'this agent session cannot connect Unix sockets');
    return session.connectUnix(path, opts);
  }
  async resolve(name: string, family?: 0 | 4 | 6): Promise<string[]> { return (await this.live()).resolve(name, family); }
  async dnsQuery(packet: Uint8Array, server?: SocketAddr): Promise<Buffer> { return (await this.live()).dnsQuery(packet, server); }
  async openFile(path: string, opts?: OpenFileOptions): Promise<RemoteFile> { return (await this.live()).openFile(path, opts); }
  async writeFile(path: string, data: Uint8Array, opts?: { append?: boolean; createMode?: number }): Promise<void> {
    const session = await this.live();
    if (!session.writeFile) throw new Error('this agent session cannot write files');
    return session.writeFile(path, data, opts);
  }
  async readFile(path: string): Promise<Buffer> { return (await this.live()).readFile(path); }
  async fsChange(op: FsChange): Promise<FsChangeResult> {
    const session = await this.live();
    if (!session.fsChange) throw new TunnelError('NOT_SUPPORTED', 'this agent session cannot change directories or names');
    return session.fsChange(op);
  }
  async stat(path: string, opts?: { noFollow?: boolean }): Promise<RemoteStat> { return (await this.live()).stat(path, opts); }
  async readdir(path: string): Promise<DirEntry[]> { return (await this.live()).readdir(path); }
  async env(): Promise<Record<string, string>> { return (await this.live()).env(); }
  async ping(): Promise<number> { return (await this.live()).ping(); }
  async sessions(): Promise<AgentSessionInfo[]> {
    const session = await this.live();
    if (!session.sessions) throw new Error('this agent session cannot list the sessions of its agent');
    return session.sessions();
  }
  /** A trace does not survive a reconnect: it ends ('end' with "tunnel closed") and the caller starts a new one. */
  async startTrace(opts: TraceOptions): Promise<TraceSession> {
    const session = await this.live();
    if (!session.startTrace) throw new Error('this agent session cannot trace');
    return session.startTrace(opts);
  }
  async snapshot(kinds: readonly SnapshotKind[]): Promise<SnapshotResult> {
    const session = await this.live();
    if (!session.snapshot) throw new Error('this agent session cannot take snapshots');
    return session.snapshot(kinds);
  }
  async openNodeInspector(opts: { pid: number; port?: number; timeoutMs?: number }): Promise<OpenedInspector> {
    const session = await this.live();
    if (!session.openNodeInspector) throw new Error('this agent session cannot open a Node inspector');
    return session.openNodeInspector(opts);
  }
  async holdProcess(opts: { pid: number; debugger: 'go' | 'python' }): Promise<HeldProcess> {
    const session = await this.live();
    if (!session.holdProcess) throw new Error('this agent session cannot hold a process for a debugger');
    return session.holdProcess(opts);
  }

  async subscribe(opts: SubscribeOptions, onConnection: (conn: IncomingConnection) => void): Promise<Subscription> {
    const session = await this.live();
    const sub = new ResilientSubscription(opts, onConnection);
    sub.inner = await session.subscribe(opts, onConnection);
    this.subs.add(sub);
    this.forwardClosed(sub, sub.inner);
    sub.closeHook = async () => {
      this.subs.delete(sub);
      await sub.inner?.close();
    };
    return sub;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    // A reconnect in flight may be creating cluster objects (the token Secret, an agent Job): the loop
    // removes what it placed once it sees `closing`; wait for that, bounded, so that a client exiting
    // right after close() leaves nothing behind at once (otherwise the placement anchor and the Job end it later).
    const inFlight = this.reconnecting;
    if (inFlight) await Promise.race([inFlight.catch(() => undefined), new Promise((r) => setTimeout(r, CLOSE_WAITS_FOR_RECONNECT_MS).unref())]);
    await this.current.close().catch(() => undefined);
    this.finish('closed by the client');
  }
}
