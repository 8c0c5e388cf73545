import { describe, expect, it } from 'vitest';
import { agentLeaseName, ANNOTATION_SESSIONS, buildAgentLease, parseAgentLease, parseSessions, withSessions, type LeaseSession } from './agent-lease.js';

const alice: LeaseSession = { id: 'a1', user: 'alice', host: 'ws-1', since: '2026-01-01T00:00:00.000Z' };
const bob: LeaseSession = { id: 'b2', user: 'bob', host: 'ws-2', since: '2026-01-01T00:01:00.000Z' };
const lease = () => buildAgentLease({
  leaseName: agentLeaseName('uid-1', 'app', 'c1'), namespace: 'shop', jobName: 'kmirror-agent-ab12', agentId: 'ab12', port: 47777, token: 'tok',
  target: 'shop/web-1/app', owner: { apiVersion: 'batch/v1', kind: 'Job', name: 'kmirror-agent-ab12', uid: 'job-uid' }, first: alice,
});

describe('agentLeaseName', () => {
  it('is one name per pod uid, container and container instance, a valid DNS label', () => {
    expect(agentLeaseName('uid-1', 'app', 'c1')).toBe(agentLeaseName('uid-1', 'app', 'c1'));
    expect(agentLeaseName('uid-1', 'app', 'c1')).not.toBe(agentLeaseName('uid-2', 'app', 'c1'));
    expect(agentLeaseName('uid-1', 'app', 'c1')).not.toBe(agentLeaseName('uid-1', 'sidecar', 'c1'));
    // The container restarted: its old agent serves a process that is gone.
    expect(agentLeaseName('uid-1', 'app', 'c1')).not.toBe(agentLeaseName('uid-1', 'app', 'c2'));
    expect(agentLeaseName('uid-1', 'app', 'c1')).toMatch(/^[a-z0-9-]{1,63}$/);
  });
});

describe('buildAgentLease / parseAgentLease', () => {
  it('round-trips the agent record, owned by the Job and labelled as kmirror', () => {
    const l = lease();
    expect(l.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Job', uid: 'job-uid' });
    expect(l.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('kmirror');
    const rec = parseAgentLease({ ...l, metadata: { ...l.metadata, resourceVersion: '7' } });
    expect(rec).toMatchObject({ jobName: 'kmirror-agent-ab12', agentId: 'ab12', port: 47777, token: 'tok', resourceVersion: '7', namespace: 'shop', sessions: [alice] });
  });
  it('is undefined for a Lease that is not a complete agent record', () => {
    const l = lease();
    expect(parseAgentLease(l)).toBeUndefined(); // no resourceVersion: never read from the API
    const broken = { ...l, metadata: { ...l.metadata, resourceVersion: '1', annotations: { ...l.metadata?.annotations, 'kmirror.dev/agent-port': 'x' } } };
    expect(parseAgentLease(broken)).toBeUndefined();
  });
});

describe('sessions', () => {
  it('replaces the list and keeps the rest of the Lease', () => {
    const next = withSessions(lease(), [alice, bob]);
    expect(parseSessions(next.metadata?.annotations?.[ANNOTATION_SESSIONS])).toEqual([alice, bob]);
    expect(next.metadata?.annotations?.['kmirror.dev/agent-token']).toBe('tok');
  });
  it('drops entries that are not sessions and survives garbage', () => {
    expect(parseSessions('not json')).toEqual([]);
    expect(parseSessions('{"id":"x"}')).toEqual([]);
    expect(parseSessions(JSON.stringify([alice, { id: 1 }, null]))).toEqual([alice]);
  });
});
