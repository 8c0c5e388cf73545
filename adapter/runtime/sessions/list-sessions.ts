// The backend of `kmirror sessions [--target T] [--json]`: who uses the agent of a target, since
// when, with which ports, modes and filters — asked from the agent itself (SessionsRequest), so
// the answer is what routes traffic, not a guess from local files. The CLI table is drawn by the
// command; this module only fetches and shapes the data.
import { formatTarget, parseTarget, type NetnsTarget, type PidTarget, type Target } from '#proto/runtime/target.js';
import { TunnelError } from '#proto/runtime/errors.js';
import type { AgentSession, AgentSessionInfo } from '../tunnel/agent-session.js';
import { readSharedLocalAgent } from '../placement/local-shared-agent.js';

/** One session as `kmirror sessions --json` prints it. */
export interface SessionRow {
  id: number;
  user: string;
  host: string;
  /** ISO 8601, or '' when the client did not say (an older client). */
  since: string;
  client: string;
  pid: number;
  subscriptions: Array<{ port: number; transport: string; mode: string; filter: string; since: string }>;
}

const iso = (ms: number): string => (ms > 0 ? new Date(ms).toISOString() : '');

export function toSessionRow(s: AgentSessionInfo): SessionRow {
  return {
    id: s.id, user: s.user, host: s.host, since: iso(s.startedAtMs), client: s.clientName, pid: s.clientPid,
    subscriptions: s.subscriptions.map((x) => ({ port: x.port, transport: x.transport, mode: x.mode, filter: x.filter, since: iso(x.sinceMs) })),
  };
}

/** The sessions of the agent `session` is connected to, except the asking one (a listing connection). */
export async function listSessions(session: AgentSession): Promise<SessionRow[]> {
  if (!session.sessions) throw new TunnelError('NOT_SUPPORTED', `sessions of ${session.target}: this connection cannot list sessions`);
  return (await session.sessions()).filter((s) => !s.self).map(toSessionRow);
}

/**
 * The sessions on a local target (pid/N, netns/NAME): connects to its running agent (the same
 * proof as a joining session: its state file must be readable) and lists the others. An empty
 * list when no agent runs for the target.
 */
export async function listLocalTargetSessions(target: PidTarget | NetnsTarget): Promise<SessionRow[]> {
  const session = await readSharedLocalAgent(target, 'kmirror sessions');
  if (!session) return [];
  try {
    return await listSessions(session);
  } finally {
    await session.close().catch(() => undefined);
  }
}

/**
 * For `kmirror sessions --target pid/N|netns/NAME`: the local agent's own list (the asking
 * connection marked `self`), in the shape of the CLI's table input; undefined when the target is
 * not local, [] sessions when no agent runs for it.
 */
export async function localAgentSessions(spec: string): Promise<{ target: string; agentPod: string; sessions: AgentSessionInfo[] } | undefined> {
  let target: Target;
  try { target = parseTarget(spec); } catch { return undefined; }
  if (target.kind !== 'pid' && target.kind !== 'netns') return undefined;
  const session = await readSharedLocalAgent(target, 'kmirror sessions');
  if (!session) return { target: formatTarget(target), agentPod: '-', sessions: [] };
  try {
    return { target: formatTarget(target), agentPod: 'local', sessions: await session.sessions!() };
  } finally {
    await session.close().catch(() => undefined);
  }
}

/** A short line per session for logs and plain output: "3 alice@laptop since … 8080/tcp steal {…}". */
export function describeSessionRow(r: SessionRow): string {
  const subs = r.subscriptions.map((s) => `${s.port}/${s.transport} ${s.mode}${s.filter ? ` ${s.filter}` : ''}`).join('; ');
  return `${r.id} ${r.user || '?'}@${r.host || '?'} since ${r.since || '?'} ${subs || '(no subscriptions)'}${r.pid ? ` (client pid ${r.pid})` : ''}`;
}
