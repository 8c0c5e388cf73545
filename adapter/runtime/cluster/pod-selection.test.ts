import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { describeNotReady, labelSelectorToString, mapSelectorToString, pickReadyPod, runningContainerId } from './pod-selection.js';

function pod(name: string, opts: { ready?: string | false; phase?: string; deleting?: boolean } = {}): V1Pod {
  const ready = opts.ready ?? '2026-01-01T00:00:00Z';
  return {
    metadata: { name, ...(opts.deleting ? { deletionTimestamp: new Date() } : {}) },
    status: {
      phase: opts.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: ready === false ? 'False' : 'True', ...(ready ? { lastTransitionTime: new Date(ready) } : {}) }],
    },
  };
}

describe('labelSelectorToString', () => {
  it('renders matchLabels and every expression operator', () => {
    expect(labelSelectorToString({
      matchLabels: { app: 'web', tier: 'fe' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['a', 'b'] },
        { key: 'x', operator: 'NotIn', values: ['c'] },
        { key: 'y', operator: 'Exists' },
        { key: 'z', operator: 'DoesNotExist' },
      ],
    }, 'deployment/web')).toBe('app=web,tier=fe,env in (a,b),x notin (c),y,!z');
  });

  it('refuses an empty selector (it would match every pod)', () => {
    expect(() => labelSelectorToString({}, 'deployment/web')).toThrow('deployment/web has an empty pod selector');
    expect(() => mapSelectorToString(undefined, 'service/x')).toThrow(/empty pod selector/);
  });

  it('refuses an unknown operator', () => {
    expect(() => labelSelectorToString({ matchExpressions: [{ key: 'a', operator: 'Gt' }] }, 'x')).toThrow(/unknown label selector operator "Gt"/);
  });
});

describe('pickReadyPod', () => {
  it('picks the pod ready longest', () => {
    const pods = [pod('new', { ready: '2026-01-02T00:00:00Z' }), pod('old', { ready: '2026-01-01T00:00:00Z' })];
    expect(pickReadyPod(pods)?.metadata?.name).toBe('old');
  });

  it('skips not ready, not running and terminating pods', () => {
    const pods = [pod('a', { ready: false }), pod('b', { phase: 'Pending' }), pod('c', { deleting: true }), pod('d', { ready: '2026-03-01T00:00:00Z' })];
    expect(pickReadyPod(pods)?.metadata?.name).toBe('d');
  });

  it('breaks ties by name and returns undefined without a ready pod', () => {
    expect(pickReadyPod([pod('b'), pod('a')])?.metadata?.name).toBe('a');
    expect(pickReadyPod([pod('a', { ready: false })])).toBeUndefined();
  });
});

describe('runningContainerId', () => {
  const p: V1Pod = {
    status: {
      containerStatuses: [
        { name: 'app', containerID: 'containerd://0123456789abcdef0123456789abcdef', image: '', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
        { name: 'side', containerID: 'containerd://fedcba9876543210', image: '', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'x' } } },
      ],
    },
  };
  it('strips the runtime prefix of a running container', () => {
    expect(runningContainerId(p, 'app')).toBe('0123456789abcdef0123456789abcdef');
  });
  it('is undefined for a container that is not running or not there', () => {
    expect(runningContainerId(p, 'side')).toBeUndefined();
    expect(runningContainerId(p, 'none')).toBeUndefined();
  });
});

describe('describeNotReady', () => {
  it('says when nothing matches, or lists the pods with their state', () => {
    expect(describeNotReady([])).toBe('no pods match its selector');
    const waiting: V1Pod = { metadata: { name: 'w' }, status: { phase: 'Pending', containerStatuses: [{ name: 'a', image: '', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImageNeverPull' } } }] } };
    expect(describeNotReady([waiting, pod('t', { deleting: true })])).toBe('w: Pending (ErrImageNeverPull); t: terminating');
  });
});
