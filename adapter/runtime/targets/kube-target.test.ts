import { describe, expect, it } from 'vitest';
import { parseKubeTarget } from './kube-target.js';

describe('parseKubeTarget', () => {
  it.each([
    ['pod/web', 'pod', 'web'],
    ['deploy/web', 'deployment', 'web'],
    ['deployment/web', 'deployment', 'web'],
    ['sts/db', 'statefulset', 'db'],
    ['rollout/canary', 'rollout', 'canary'],
    ['job/batch-1', 'job', 'batch-1'],
    ['svc/api', 'service', 'api'],
  ])('%s → %s/%s', (input, kind, name) => {
    expect(parseKubeTarget(input)).toEqual({ kind, name });
  });

  it('takes the container and namespace from the string and -c / -n', () => {
    expect(parseKubeTarget('deploy/web/container/app', { namespace: 'shop' })).toEqual({ kind: 'deployment', name: 'web', container: 'app', namespace: 'shop' });
    expect(parseKubeTarget('pod/web', { container: 'app' })).toEqual({ kind: 'pod', name: 'web', container: 'app' });
  });

  it.each(['pid/12', 'netns/demo', 'targetless'])('rejects the non-Kubernetes target %s, listing the Kubernetes forms', (input) => {
    expect(() => parseKubeTarget(input)).toThrow(/is not accepted here; expected pod\/NAME, deploy\/NAME, statefulset\/NAME, rollout\/NAME, job\/NAME, svc\/NAME \(/);
  });

  it('rejects conflicting container names with code INVALID_TARGET', () => {
    expect(() => parseKubeTarget('pod/web/container/app', { container: 'other' }))
      .toThrow(expect.objectContaining({ code: 'INVALID_TARGET', message: expect.stringMatching(/names container "app" but -c names "other"/) }));
  });
});
