// Pure reconnect logic with stand-in sessions (the real tunnel is exercised by the e2e tier).
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { AgentSession, SubscribeOptions, Subscription } from '../tunnel/agent-session.js';
import { ReconnectingAgentSession, type ReconnectStatus } from './reconnecting-session.js';

class FakeSession extends EventEmitter {
  closed = false;
  readonly subscribed: SubscribeOptions[] = [];
  constructor(readonly target: string, private readonly failSubscribe = false) { super(); }
  capabilities = new Set<string>();
  async env(): Promise<Record<string, string>> {
    if (this.closed) throw new Error('closed');
    return { FROM: this.target };
  }
  async subscribe(opts: SubscribeOptions): Promise<Subscription> {
    if (this.failSubscribe) throw new Error('port busy');
    this.subscribed.push(opts);
    return Object.assign(new EventEmitter(), { port: opts.port, mode: opts.mode, close: async () => undefined }) as unknown as Subscription;
  }
  readonly written: Array<{ path: string; data: string; append?: boolean }> = [];
  async writeFile(path: string, data: Uint8Array, opts?: { append?: boolean }): Promise<void> {
    this.written.push({ path, data: Buffer.from(data).toString(), ...(opts?.append ? { append: true } : {}) });
  }
  drop(reason: string): void { this.closed = true; this.emit('close', reason); }
  async close(): Promise<void> { if (!this.closed) this.drop('closed'); }
}
const asSession = (f: FakeSession): AgentSession => f as unknown as AgentSession;

function statuses(s: ReconnectingAgentSession): ReconnectStatus[] {
  const out: ReconnectStatus[] = [];
  s.on('status', (st: ReconnectStatus) => out.push(st));
  return out;
}
const once = (e: EventEmitter, name: string) => new Promise<unknown[]>((r) => e.once(name, (...a: unknown[]) => r(a)));

describe('ReconnectingAgentSession', () => {
  it('reconnects after a drop, re-subscribes and reports the gap', async () => {
    const first = new FakeSession('a');
    const second = new FakeSession('b');
    const s = new ReconnectingAgentSession(asSession(first), async () => ({ session: asSession(second), note: 'same agent' }), { reconnectTimeoutMs: 5000 });
    const seen = statuses(s);
    await s.subscribe({ port: 8080, mode: 'steal' }, () => undefined);
    const reconnected = once(s, 'status').then(() => once(s, 'status'));
    first.drop('port-forward closed');
    await reconnected;
    expect(seen[0]).toEqual({ type: 'disconnected', reason: 'port-forward closed' });
    expect(seen[1]).toMatchObject({ type: 'reconnected', attempts: 1, resubscribed: 1, failedSubscriptions: 0, note: 'same agent' });
    expect(second.subscribed).toEqual([{ port: 8080, mode: 'steal' }]);
    expect(await s.env()).toEqual({ FROM: 'b' });
    expect(s.closed).toBe(false);
  });

  it('makes calls issued during the gap wait for the new session', async () => {
    const first = new FakeSession('a');
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const s = new ReconnectingAgentSession(asSession(first), async () => { await gate; return { session: asSession(new FakeSession('b')) }; }, { reconnectTimeoutMs: 5000 });
    first.drop('gone');
    const pending = s.env();
    release();
    expect(await pending).toEqual({ FROM: 'b' });
  });

  it('retries failing attempts and gives up after the deadline with a close event', async () => {
    // The clock is the test's: a stalled machine cannot turn "retried" into "gave up after one attempt".
    vi.useFakeTimers();
    try {
      const first = new FakeSession('a');
      let attempts = 0;
      const s = new ReconnectingAgentSession(asSession(first), async () => { attempts += 1; throw new Error('agent pod not found'); },
        { reconnectTimeoutMs: 300, retryDelayMs: 50 });
      const seen = statuses(s);
      const closed = once(s, 'close');
      first.drop('gone');
      await vi.advanceTimersByTimeAsync(400);
      const [reason] = await closed;
      expect(attempts).toBeGreaterThan(1);
      expect(reason).toMatch(/could not reconnect within 300 ms: agent pod not found/);
      expect(seen.at(-1)).toMatchObject({ type: 'reconnect-failed' });
      expect(s.closed).toBe(true);
      await expect(s.env()).rejects.toThrow(/agent session closed/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('closes a subscription that cannot be re-established, with the reason', async () => {
    const first = new FakeSession('a');
    const s = new ReconnectingAgentSession(asSession(first), async () => ({ session: asSession(new FakeSession('b', true)) }), { reconnectTimeoutMs: 5000 });
    const sub = await s.subscribe({ port: 9000, mode: 'mirror' }, () => undefined);
    const subClosed = once(sub, 'closed');
    first.drop('gone');
    const [why] = await subClosed;
    expect(why).toMatch(/re-subscribing port 9000 after reconnect failed: port busy/);
  });

  it('does not reconnect after close() and forwards forceReconnect', async () => {
    const first = new FakeSession('a');
    let attempts = 0;
    const s = new ReconnectingAgentSession(asSession(first), async () => { attempts += 1; return { session: asSession(new FakeSession('c')) }; }, { reconnectTimeoutMs: 5000 });
    const moved = once(s, 'status').then(() => once(s, 'status'));
    s.forceReconnect('target pod web-1 is being deleted');
    const [st] = await moved;
    expect(st).toMatchObject({ type: 'reconnected' });
    expect(first.closed).toBe(true);
    await s.close();
    expect(attempts).toBe(1);
    expect(s.closed).toBe(true);
  });

  it('forwards file writes (write mode) to the session carrying traffic, also after a reconnect', async () => {
    const first = new FakeSession('a');
    const second = new FakeSession('b');
    const s = new ReconnectingAgentSession(asSession(first), async () => ({ session: asSession(second) }), { reconnectTimeoutMs: 5000 });
    await s.writeFile('/data/a.txt', Buffer.from('one'));
    const back = once(s, 'status').then(() => once(s, 'status'));
    first.drop('port-forward closed');
    await back;
    await s.writeFile('/data/a.txt', Buffer.from('two'), { append: true });
    expect(first.written).toEqual([{ path: '/data/a.txt', data: 'one' }]);
    expect(second.written).toEqual([{ path: '/data/a.txt', data: 'two', append: true }]);
  });
});
