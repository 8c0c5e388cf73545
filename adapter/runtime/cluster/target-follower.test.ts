import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { targetStaleReason } from './target-follower.js';

const current = { podUid: 'u1', podName: 'web-1', containerName: 'app', containerId: 'aaaa1111aaaa1111' };
function pod(uid: string, opts: { id?: string; running?: boolean; deleting?: boolean } = {}): V1Pod {
  return {
    metadata: { uid, name: 'web-1', ...(opts.deleting ? { deletionTimestamp: new Date() } : {}) },
    status: { containerStatuses: [{ name: 'app', image: '', imageID: '', ready: true, restartCount: 0, containerID: `containerd://${opts.id ?? 'aaaa1111aaaa1111'}`, state: opts.running === false ? { terminated: { exitCode: 1 } } : { running: {} } }] },
  };
}

describe('targetStaleReason', () => {
  it('holds while the same container runs', () => {
    expect(targetStaleReason(current, [pod('u0'), pod('u1')])).toBeUndefined();
  });
  it.each([
    [[pod('u2')], 'target pod web-1 is gone'],
    [[pod('u1', { deleting: true })], 'target pod web-1 is being deleted'],
    [[pod('u1', { running: false })], 'container app of pod web-1 is not running'],
    [[pod('u1', { id: 'bbbb2222bbbb2222' })], 'container app of pod web-1 was restarted'],
  ])('detects %#', (pods, reason) => {
    expect(targetStaleReason(current, pods)).toBe(reason);
  });
});
