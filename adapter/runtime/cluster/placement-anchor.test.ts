import { describe, expect, it } from 'vitest';
import { ANCHOR_NAME, anchorLifetimeSeconds, anchorName, buildPlacementAnchor } from './placement-anchor.js';

describe('buildPlacementAnchor', () => {
  const job = buildPlacementAnchor({ name: anchorName('ab12cd34'), namespace: 'shop', sessionId: 'ab12cd34', image: 'kmirror/agent:1', lifetimeSeconds: 42 });

  it('never runs a pod, fails at its deadline and is deleted as soon as it has', () => {
    expect(job.spec).toMatchObject({ parallelism: 0, activeDeadlineSeconds: 42, ttlSecondsAfterFinished: 0, backoffLimit: 0 });
    expect(job.spec?.suspend).toBeUndefined(); // a suspended Job's deadline does not run
  });

  it('is labelled as kmirror but not as an agent (agent listings do not see it)', () => {
    expect(job.metadata?.labels).toEqual({ 'app.kubernetes.io/name': ANCHOR_NAME, 'app.kubernetes.io/managed-by': 'kmirror', 'kmirror.dev/session': 'ab12cd34' });
    expect(job.metadata?.name).toBe('kmirror-anchor-ab12cd34');
  });
});

describe('anchorLifetimeSeconds', () => {
  it('covers the given waits plus a margin', () => {
    expect(anchorLifetimeSeconds()).toBe(30);
    expect(anchorLifetimeSeconds(2 * 60_000)).toBe(150);
    expect(anchorLifetimeSeconds(1)).toBe(31);
  });
});
