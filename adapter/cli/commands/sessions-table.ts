// The table `kmirror sessions` prints: one line per session of a shared agent (who, since when,
// ports, modes, filters), the asking connection left out. Pure.
import type { MsgOf } from '#proto/runtime/messages.js';

export type SessionInfo = MsgOf<'sessionsList'>['sessions'][number];

/** One agent's sessions, as listed by it, with where the agent serves. */
export interface AgentSessions {
  readonly target: string;
  readonly agentPod: string;
  readonly sessions: readonly SessionInfo[];
}

const HEADER = ['TARGET', 'SESSION', 'WHO', 'SINCE', 'PORTS', 'MODES', 'FILTERS'] as const;

function since(ms: number | bigint): string {
  const n = Number(ms);
  return n > 0 ? new Date(n).toISOString().replace(/\.\d+Z$/, 'Z') : '-';
}

/** Rows of the table (without the asking session). */
export function sessionRows(agents: readonly AgentSessions[]): string[][] {
  return agents.flatMap((a) => a.sessions.filter((s) => !s.self).map((s) => {
    const subs = s.subscriptions;
    return [
      a.target, String(s.id), `${s.user || '?'}@${s.host || '?'}`, since(s.startedAtMs),
      subs.map((x) => x.port).join(',') || '-',
      subs.map((x) => String(x.mode)).join(',') || '-',
      subs.map((x) => x.filter || '*').join(' | ') || '-',
    ];
  }));
}

/** Aligned columns, header first; a note when no session is listed. */
export function formatSessionsTable(agents: readonly AgentSessions[]): string {
  const rows = sessionRows(agents);
  if (!rows.length) return 'no kmirror sessions\n';
  const all = [[...HEADER], ...rows];
  const widths = HEADER.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}

/** The --json form: every agent with its sessions (bigints as numbers). */
export function sessionsJson(agents: readonly AgentSessions[]): string {
  return JSON.stringify(agents.map((a) => ({ ...a, sessions: a.sessions.filter((s) => !s.self) })),
    (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), 2) + '\n';
}
