import { describe, expect, it } from 'vitest';
import { isKubeTargetString, parseKubeTarget } from './kube-target.js';

describe('parseKubeTarget', () => {
  it.each([
    ['pod/web', 'pod', 'web'],
    ['deploy/web', 'deployment', 'web'],
    ['deployment/web', 'deployment', 'web'],
    ['statefulset/db', 'statefulset', 'db'],
    ['sts/db', 'statefulset', 'db'],
    ['rollout/canary', 'rollout', 'canary'],
    ['job/batch-1', 'job', 'batch-1'],
    ['svc/api', 'service', 'api'],
    ['service/api.v2', 'service', 'api.v2'],
  ])('%s → %s/%s', (input, kind, name) => {
    const t = parseKubeTarget(input);
    expect(t).toMatchObject({ kind, name, spec: `${kind}/${name}` });
    expect(t.container).toBeUndefined();
  });

  it('takes the container from /container/NAME', () => {
    expect(parseKubeTarget('deploy/web/container/app')).toMatchObject({ kind: 'deployment', name: 'web', container: 'app', spec: 'deployment/web/container/app' });
  });

  it('takes the container and namespace from -c / -n', () => {
    expect(parseKubeTarget('pod/web', { container: 'app', namespace: 'shop' })).toMatchObject({ container: 'app', namespace: 'shop' });
  });

  it('accepts the same container twice', () => {
    expect(parseKubeTarget('pod/web/container/app', { container: 'app' }).container).toBe('app');
  });

  it.each([
    ['pods', /has no name|unknown target kind/],
    ['pod/', /has no name/],
    ['cronjob/x', /unknown target kind "cronjob"/],
    ['pod/Web', /not a valid Kubernetes object name/],
    ['pod/web/app', /only \/container\/NAME may follow/],
    ['pod/web/container/', /only \/container\/NAME may follow/],
    ['pod/web/container/a/b', /only \/container\/NAME may follow/],
    ['pod/web/container/App', /not a valid container name/],
  ])('rejects %s', (input, message) => {
    expect(() => parseKubeTarget(input)).toThrow(message);
  });

  it('rejects conflicting container names with code INVALID_TARGET', () => {
    try {
      parseKubeTarget('pod/web/container/app', { container: 'other' });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'INVALID_TARGET', message: expect.stringMatching(/names container "app" but -c names "other"/) });
    }
  });

  it('rejects a bad namespace', () => {
    expect(() => parseKubeTarget('pod/web', { namespace: 'Not_OK' })).toThrow(/not a valid namespace/);
  });
});

describe('isKubeTargetString', () => {
  it.each(['pod/x', 'deploy/x', 'svc/x', 'Deployment/x'])('%s is a Kubernetes target', (s) => expect(isKubeTargetString(s)).toBe(true));
  it.each(['pid/12', 'netns/demo', 'pod', 'targetless'])('%s is not', (s) => expect(isKubeTargetString(s)).toBe(false));
});
