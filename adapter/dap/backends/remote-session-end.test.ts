import { describe, expect, it } from 'vitest';
import { endSettled, whyEnded } from './remote-session-end.js';

const before = { pod: 'web-1', uid: 'u1', containerId: 'containerd://a', container: 'app', restartCount: 0, running: true };

describe('whyEnded', () => {
  it('names a deleted pod, a replaced pod, a restarted container, or only the tunnel', () => {
    expect(whyEnded(before, { pod: 'web-1', deleted: true })).toBe('pod web-1 was deleted');
    expect(whyEnded(before, { ...before, deleting: true })).toBe('pod web-1 was deleted');
    expect(whyEnded(before, { pod: 'web-2', uid: 'u2' })).toBe('pod web-1 was deleted (the target is now pod web-2; attach again to debug it)');
    expect(whyEnded(before, { pod: 'web-2', uid: 'u2' }, 'dlv', true)).toBe('pod web-1 was deleted');
    expect(whyEnded(before, { ...before })).toMatch(/^the tunnel to the agent was lost/);
    expect(whyEnded(before, new Error('timeout'))).toMatch(/could not be read: timeout/);
    expect(whyEnded(undefined, undefined)).toMatch(/inspector closed/);
    expect(whyEnded(undefined, undefined, 'dlv')).toBe('the connection to dlv closed');
  });

  it('names the container, its exit code and reason, and the restart count', () => {
    const restarted = { ...before, containerId: 'containerd://b', restartCount: 1, lastExit: { exitCode: 137, reason: 'Error' } };
    expect(whyEnded(before, restarted)).toBe('container app of pod web-1 restarted (exit code 137: Error, restart 1); the process attached to is gone');
    // Not restarted yet (CrashLoopBackOff wait): the same instance, terminated.
    expect(whyEnded(before, { ...before, running: false, lastExit: { exitCode: 0, reason: 'Completed' } }))
      .toBe('container app of pod web-1 stopped (exit code 0: Completed, restart 0); the process attached to is gone and the kubelet starts it again after its back-off');
    expect(whyEnded(before, { ...before, restartCount: 2 })).toMatch(/restarted \(exit code unknown, restart 2\)/);
  });
});

describe('endSettled', () => {
  it('is false while the same container instance runs or has only just terminated', () => {
    expect(endSettled(before, { ...before })).toBe(false);
    expect(endSettled(before, { ...before, running: false })).toBe(false);
    expect(endSettled(before, { ...before, containerId: 'containerd://b' })).toBe(true);
    expect(endSettled(before, { ...before, restartCount: 1 })).toBe(true);
    expect(endSettled(before, { pod: 'web-2', uid: 'u2' })).toBe(true);
    expect(endSettled(before, { pod: 'web-1', deleted: true })).toBe(true);
  });
});
