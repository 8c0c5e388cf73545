import { describe, expect, it } from 'vitest';
import { whyEnded } from './session-end.js';

const before = { pod: 'web-1', uid: 'u1', containerId: 'containerd://a' };

describe('whyEnded', () => {
  it('names a deleted pod, a replaced pod, a restarted container, or only the tunnel', () => {
    expect(whyEnded(before, { pod: 'web-1', deleted: true })).toBe('pod web-1 was deleted');
    expect(whyEnded(before, { ...before, deleting: true })).toBe('pod web-1 was deleted');
    expect(whyEnded(before, { pod: 'web-2', uid: 'u2' })).toBe('pod web-1 was deleted (the target is now pod web-2; attach again to debug it)');
    expect(whyEnded(before, { ...before, containerId: 'containerd://b' })).toMatch(/^the container of pod web-1 restarted/);
    expect(whyEnded(before, { ...before })).toMatch(/^the tunnel to the agent was lost/);
    expect(whyEnded(before, new Error('timeout'))).toMatch(/could not be read: timeout/);
    expect(whyEnded(undefined, undefined)).toMatch(/inspector closed/);
  });
});
