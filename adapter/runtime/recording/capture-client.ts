// The workstation side of a recording: subscribes with record = true to each port of a target
// (agent capability "record") and turns the agent's RecordedConnection/Segment/Gap messages into
// an ordered stream of capture events for the RecordingWriter. Connection ids are the
// recording's own (an agent's ids restart after a reconnect). When the session drops, every open
// connection gets a gap and is closed, a session-wide gap says why, and the client opens a new
// session (the placement starts or finds the agent again) and subscribes again.
import type { OpenedAgent } from '../placement/placement.js';
import type { RecordedMessage, Subscription } from '../tunnel/agent-session.js';
import type { Direction, Endpoint } from './records.js';

export type CaptureEvent =
  | { type: 'open'; conn: number; client: Endpoint; server: Endpoint; ts: number }
  | { type: 'segment'; conn: number; dir: Direction; ts: number; bytes: Buffer }
  | { type: 'close'; conn: number; ts: number; reset: boolean }
  | { type: 'gap'; conn: number | null; ts: number; reason: string; lostBytes: number };

export type CaptureStatus =
  | { type: 'connected'; target: string; epoch: number }
  | { type: 'disconnected'; reason: string }
  | { type: 'reconnect-failed'; reason: string };

export interface CaptureClientOptions {
  /** Opens (or reopens) the agent session for the target. */
  open: () => Promise<OpenedAgent>;
  ports: number[];
  onEvent: (ev: CaptureEvent) => void;
  onStatus?: (s: CaptureStatus) => void;
  /** Give up reconnecting after this long (default 60 s). */
  reconnectTimeoutMs?: number;
  retryDelayMs?: number;
}

const DIRECTION: Record<'in' | 'out', Direction> = { in: 'request', out: 'response' };

export class CaptureClient {
  private agent: OpenedAgent | undefined;
  private subscriptions: Subscription[] = [];
  private readonly open = new Map<string, number>(); // `${epoch}|${port}|${agent id}` -> recording id
  private nextConn = 1;
  private epoch = 0;
  private stopped = false;
  private reconnecting: Promise<void> | undefined;
  /** Resolves when the capture ends by itself (reconnect gave up). */
  readonly failed: Promise<Error>;
  private fail!: (err: Error) => void;

  constructor(private readonly o: CaptureClientOptions) {
    this.failed = new Promise((resolve) => (this.fail = resolve));
  }

  /** Opens the first session and subscribes every port; throws when that fails. */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Unsubscribes and closes the session. Events stop at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    const subs = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subs.map((s) => s.close().catch(() => undefined)));
    await this.agent?.close().catch(() => undefined);
    this.agent = undefined;
  }

  private async connect(): Promise<void> {
    const agent = await this.o.open();
    if (this.stopped) { await agent.close(); return; }
    const epoch = ++this.epoch;
    const subs: Subscription[] = [];
    try {
      for (const port of this.o.ports) {
        subs.push(await agent.session.subscribe({ port, mode: 'mirror', record: true, onRecorded: (m) => this.onRecorded(epoch, port, m) }, (c) => c.destroy()));
      }
    } catch (err) {
      await Promise.all(subs.map((s) => s.close().catch(() => undefined)));
      await agent.close();
      throw err;
    }
    this.agent = agent;
    this.subscriptions = subs;
    const lost = (reason: string): void => this.lost(epoch, reason);
    agent.session.once('close', (reason: unknown) => lost(`the tunnel closed (${String(reason)})`));
    for (const s of subs) s.once('closed', (reason: string) => lost(`the agent ended the subscription to port ${s.port} (${reason})`));
    this.o.onStatus?.({ type: 'connected', target: agent.session.target, epoch });
  }

  private onRecorded(epoch: number, port: number, m: RecordedMessage): void {
    if (this.stopped || epoch !== this.epoch) return;
    const key = `${epoch}|${port}|${m.connectionId}`;
    switch (m.kind) {
      case 'recordedConnection': {
        let conn = this.open.get(key);
        if (m.endUs === 0) {
          if (conn !== undefined) return;
          conn = this.nextConn++;
          this.open.set(key, conn);
          this.o.onEvent({ type: 'open', conn, client: { ...m.client }, server: { ...m.server }, ts: m.startUs / 1000 });
          return;
        }
        if (conn === undefined) return;
        this.open.delete(key);
        this.o.onEvent({ type: 'close', conn, ts: m.endUs / 1000, reset: m.reset });
        return;
      }
      case 'recordedSegment': {
        const conn = this.open.get(key);
        if (conn !== undefined) this.o.onEvent({ type: 'segment', conn, dir: DIRECTION[m.direction], ts: m.timeUs / 1000, bytes: m.data });
        return;
      }
      case 'recordedGap': {
        const conn = m.connectionId === 0 ? null : this.open.get(key) ?? null;
        const where = m.length > 0 ? `: ${m.length} ${DIRECTION[m.direction]} bytes at offset ${m.offset}` : '';
        this.o.onEvent({ type: 'gap', conn, ts: m.timeUs / 1000, reason: `${m.reason}${where}`, lostBytes: m.length });
      }
    }
  }

  /** The session of `epoch` is gone: record the gap, then reconnect (once). */
  private lost(epoch: number, reason: string): void {
    if (this.stopped || epoch !== this.epoch || this.reconnecting) return;
    this.epoch++; // late messages of the old session are ignored
    const ts = Date.now();
    for (const [key, conn] of this.open) {
      this.o.onEvent({ type: 'gap', conn, ts, reason: `${reason}: the rest of this connection was not recorded`, lostBytes: 0 });
      this.o.onEvent({ type: 'close', conn, ts, reset: false });
      this.open.delete(key);
    }
    this.o.onEvent({ type: 'gap', conn: null, ts, reason: `${reason}; reconnecting (traffic until the recording resumes is not recorded)`, lostBytes: 0 });
    this.o.onStatus?.({ type: 'disconnected', reason });
    const old = this.agent;
    const oldSubs = this.subscriptions;
    this.agent = undefined;
    this.subscriptions = [];
    this.reconnecting = (async () => {
      await Promise.all(oldSubs.map((s) => s.close().catch(() => undefined)));
      await old?.close().catch(() => undefined);
      const deadline = Date.now() + (this.o.reconnectTimeoutMs ?? 60_000);
      let last: unknown;
      while (!this.stopped && Date.now() < deadline) {
        try {
          await this.connect();
          return;
        } catch (err) {
          last = err;
          await new Promise((r) => setTimeout(r, this.o.retryDelayMs ?? 1_000));
        }
      }
      if (this.stopped) return;
      const why = `could not reconnect: ${(last as Error | undefined)?.message ?? 'timed out'}`;
      this.o.onStatus?.({ type: 'reconnect-failed', reason: why });
      this.fail(new Error(why));
    })().finally(() => (this.reconnecting = undefined));
  }
}
