// The sessions one agent serves right now (one per authenticated tunnel connection): who opened
// each (Hello fields user/host/started_at_ms/client_pid), and its subscriptions. It answers
// SessionsRequest and gives refusals and overlap warnings a name for the other session. A session
// is removed with its connection, so a client killed with -9 disappears at once.
import type { Hello } from '#proto/runtime/handshake.js';
import type { MsgOf } from '#proto/runtime/messages.js';
import type { HttpFilter, TrafficMode, Transport } from '#proto/runtime/types.js';
import type { SubscriberSession } from '../incoming/service.js';
import { filterText } from '../incoming/http/filter.js';

type SessionInfo = MsgOf<'sessionsList'>['sessions'][number];
type SessionSubscription = SessionInfo['subscriptions'][number];

export interface AgentSessionRecord extends SubscriberSession {
  readonly hello: Hello;
  readonly subscriptions: Map<number, SessionSubscription>;
}

/** "alice@laptop (session 2, pid 4711, since 2026-12-06T16:40:01Z)": how other sessions see this one. */
export function sessionLabel(id: number, hello: Hello): string {
  const who = `${hello.user || 'unknown user'}@${hello.host || 'unknown host'}`;
  const since = hello.startedAtMs ? `, since ${new Date(hello.startedAtMs).toISOString().replace(/\.\d+Z$/, 'Z')}` : '';
  return `${who} (session ${id}${hello.clientPid ? `, pid ${hello.clientPid}` : ''}${since})`;
}

export class SessionRegistry {
  private nextId = 1;
  private readonly sessions = new Map<number, AgentSessionRecord>();

  get size(): number {
    return this.sessions.size;
  }

  /** The id the next session will get (sent in its HelloAck before it is added). */
  reserveId(): number {
    return this.nextId++;
  }

  add(id: number, hello: Hello): AgentSessionRecord {
    const record: AgentSessionRecord = { id, label: sessionLabel(id, hello), hello, subscriptions: new Map() };
    this.sessions.set(id, record);
    return record;
  }

  remove(id: number): void {
    this.sessions.delete(id);
  }

  /** Records a subscription of `session` on its stream `streamId` (until forget). */
  subscribed(session: AgentSessionRecord, streamId: number, sub: { port: number; mode: TrafficMode; transport: Transport; httpFilter?: HttpFilter }): void {
    session.subscriptions.set(streamId, { port: sub.port, mode: sub.mode, transport: sub.transport, filter: filterText(sub.httpFilter), sinceMs: Date.now() });
  }

  forget(session: AgentSessionRecord, streamId: number): void {
    session.subscriptions.delete(streamId);
  }

  /** Every session, oldest first; `self` marks the one asking. */
  list(askingId: number): SessionInfo[] {
    return [...this.sessions.values()].map((s) => ({
      id: s.id,
      user: s.hello.user ?? '',
      host: s.hello.host ?? '',
      startedAtMs: s.hello.startedAtMs ?? 0,
      clientName: s.hello.clientName,
      clientPid: s.hello.clientPid ?? 0,
      subscriptions: [...s.subscriptions.values()],
      self: s.id === askingId,
    }));
  }
}
