import { describe, expect, it } from 'vitest';
import { formatSessionsTable, sessionRows, sessionsJson, type AgentSessions } from './sessions-table.js';

const agents: AgentSessions[] = [{
  target: 'shop/web-1/app', agentPod: 'kmirror-agent-ab12-x',
  sessions: [
    { id: 1, user: 'alice', host: 'ws-1', startedAtMs: Date.UTC(2026, 0, 1, 9), clientName: 'kmirror-cluster', clientPid: 10, self: false,
      subscriptions: [{ port: 8080, mode: 'steal', transport: 'tcp', filter: '{"header_filter":"x-user: a"}', sinceMs: 1 }] },
    { id: 2, user: 'bob', host: 'ws-2', startedAtMs: Date.UTC(2026, 0, 1, 10), clientName: 'kmirror-cluster', clientPid: 11, self: false,
      subscriptions: [{ port: 8080, mode: 'mirror', transport: 'tcp', filter: '', sinceMs: 1 }, { port: 9090, mode: 'steal', transport: 'tcp', filter: '', sinceMs: 1 }] },
    { id: 3, user: 'carol', host: 'ws-3', startedAtMs: 0, clientName: 'kmirror sessions', clientPid: 12, self: true, subscriptions: [] },
  ],
}] as unknown as AgentSessions[];

describe('kmirror sessions table', () => {
  it('lists who, since when, ports, modes and filters, leaving out the asking connection', () => {
    expect(sessionRows(agents)).toEqual([
      ['shop/web-1/app', '1', 'alice@ws-1', '2026-01-01T09:00:00Z', '8080', 'steal', '{"header_filter":"x-user: a"}'],
      ['shop/web-1/app', '2', 'bob@ws-2', '2026-01-01T10:00:00Z', '8080,9090', 'mirror,steal', '* | *'],
    ]);
    const text = formatSessionsTable(agents);
    expect(text.split('\n')[0]).toMatch(/^TARGET\s+SESSION\s+WHO\s+SINCE\s+PORTS\s+MODES\s+FILTERS$/);
    expect(text).not.toContain('carol');
  });
  it('says so when there is no session, and gives JSON without the asking one', () => {
    expect(formatSessionsTable([])).toBe('no kmirror sessions\n');
    const json = JSON.parse(sessionsJson(agents)) as Array<{ sessions: Array<{ user: string }> }>;
    expect(json[0]?.sessions.map((s) => s.user)).toEqual(['alice', 'bob']);
  });
});
