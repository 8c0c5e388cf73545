import { describe, expect, it } from 'vitest';
import {
  AGENT_TARGET_KINDS, LOCAL_TARGET_KINDS, TargetError, formatTarget, isKubeTarget, isTargetError, parseTarget, type Target,
} from './target.js';

const ID = 'a1b2c3d4'.repeat(8);

describe('parseTarget: every kind', () => {
  it.each<[string, Target]>([
    ['pod/web', { kind: 'pod', name: 'web' }],
    ['po/web', { kind: 'pod', name: 'web' }],
    ['deploy/web', { kind: 'deployment', name: 'web' }],
    ['deployment/web', { kind: 'deployment', name: 'web' }],
    ['Deployment/web', { kind: 'deployment', name: 'web' }],
    ['statefulset/db', { kind: 'statefulset', name: 'db' }],
    ['sts/db', { kind: 'statefulset', name: 'db' }],
    ['rollout/canary', { kind: 'rollout', name: 'canary' }],
    ['ro/canary', { kind: 'rollout', name: 'canary' }],
    ['job/batch-1', { kind: 'job', name: 'batch-1' }],
    ['svc/api', { kind: 'service', name: 'api' }],
    ['service/api.v2', { kind: 'service', name: 'api.v2' }],
    ['targetless', { kind: 'targetless' }],
    ['pid/42', { kind: 'pid', pid: 42 }],
    ['netns/pod-1', { kind: 'netns', name: 'pod-1' }],
    ['netns/My_ns.2', { kind: 'netns', name: 'My_ns.2' }],
    ['  pod/web  ', { kind: 'pod', name: 'web' }],
  ])('%s', (input, expected) => {
    expect(parseTarget(input)).toEqual(expected);
  });

  it('reads container-id/ID (with or without the runtime prefix) where agents accept it', () => {
    expect(parseTarget(`container-id/${ID}`, { kinds: AGENT_TARGET_KINDS })).toEqual({ kind: 'container-id', id: ID });
    expect(parseTarget(`container-id/containerd://${ID}`, { kinds: AGENT_TARGET_KINDS })).toEqual({ kind: 'container-id', id: ID });
    expect(() => parseTarget(`container-id/${ID}`)).toThrow(/bad target "container-id\/a1b2.*": kind "container-id" is not accepted here/);
    expect(() => parseTarget('container-id/xyz', { kinds: AGENT_TARGET_KINDS })).toThrow(/expected container-id\/<hex runtime ID>/);
  });
});

describe('parseTarget: container and namespace', () => {
  it('takes the container from /container/NAME', () => {
    expect(parseTarget('deploy/web/container/app')).toEqual({ kind: 'deployment', name: 'web', container: 'app' });
  });

  it('takes the container and namespace from -c / -n', () => {
    expect(parseTarget('pod/web', { container: 'app', namespace: 'shop' })).toEqual({ kind: 'pod', name: 'web', container: 'app', namespace: 'shop' });
    expect(parseTarget('targetless', { namespace: 'shop' })).toEqual({ kind: 'targetless', namespace: 'shop' });
  });

  it('accepts the same container twice and rejects two different ones', () => {
    expect(parseTarget('pod/web/container/app', { container: 'app' })).toMatchObject({ container: 'app' });
    expect(() => parseTarget('pod/web/container/app', { container: 'other' })).toThrow(/names container "app" but -c names "other"/);
  });

  it('ignores a namespace for local kinds (a config namespace may sit beside a local --target)', () => {
    expect(parseTarget('pid/7', { namespace: 'shop' })).toEqual({ kind: 'pid', pid: 7 });
  });

  it.each(['pid/7', 'netns/x', 'targetless'])('rejects -c for %s', (input) => {
    expect(() => parseTarget(input, { container: 'app' })).toThrow(/applies only to Kubernetes objects/);
  });
});

describe('parseTarget: bad input', () => {
  it.each([
    ['pods', /has no name; write pods\/NAME/],
    ['pod/', /has no name/],
    ['pod/Web', /"Web" in target "pod\/Web" is not a valid Kubernetes object name/],
    ['pod/web/app', /only \/container\/NAME may follow/],
    ['pod/web/container/', /only \/container\/NAME may follow/],
    ['pod/web/container/a/b', /only \/container\/NAME may follow/],
    ['pod/web/container/App', /"App" is not a valid container name/],
    ['targetless/x', /targetless takes nothing after it/],
    ['pid/x', /bad target "pid\/x": pid\/N needs a process ID/],
    ['pid/', /pid\/N needs a process ID/],
    ['pid', /pid\/N needs a process ID/],
    ['pid/-1', /pid\/N needs a process ID/],
    ['pid/007', /pid\/N needs a process ID/],
    ['netns/../x', /netns\/NAME needs the name/],
    ['netns/..', /netns\/NAME needs the name/],
    ['netns/.', /netns\/NAME needs the name/],
    ['netns/', /netns\/NAME needs the name/],
  ])('%s', (input, message) => {
    expect(() => parseTarget(input)).toThrow(message);
  });

  it('rejects pid/0: the stricter rule (no process has ID 0)', () => {
    expect(() => parseTarget('pid/0')).toThrow('bad target "pid/0": pid/N needs a process ID (a positive integer, e.g. pid/1234)');
  });

  it('names the input and lists every accepted form for an unknown kind', () => {
    expect(() => parseTarget('cronjob/x')).toThrow('bad target "cronjob/x": unknown kind "cronjob"; expected pod/NAME, deploy/NAME, statefulset/NAME, '
      + 'rollout/NAME, job/NAME, svc/NAME, targetless, pid/N, netns/NAME (Kubernetes objects optionally followed by /container/NAME)');
    expect(() => parseTarget('')).toThrow(/^no target given; expected pod\/NAME/);
  });

  it('lists only the kinds accepted where it is called', () => {
    expect(() => parseTarget('pod/web', { kinds: LOCAL_TARGET_KINDS })).toThrow('bad target "pod/web": kind "pod" is not accepted here; expected pid/N, netns/NAME');
  });

  it('rejects a bad namespace', () => {
    expect(() => parseTarget('pod/web', { namespace: 'Not_OK' })).toThrow(/"Not_OK" is not a valid namespace name/);
  });

  it('throws a coded, branded TargetError', () => {
    try {
      parseTarget('nope/x');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TargetError);
      expect(isTargetError(err)).toBe(true);
      expect(err).toMatchObject({ name: 'TargetError', code: 'INVALID_TARGET' });
    }
    expect(isTargetError(new Error('x'))).toBe(false);
  });
});

describe('formatTarget', () => {
  it.each([
    ['deploy/web/container/app', 'deployment/web/container/app'],
    ['svc/api', 'service/api'],
    ['sts/db', 'statefulset/db'],
    ['targetless', 'targetless'],
    ['pid/42', 'pid/42'],
    ['netns/demo', 'netns/demo'],
  ])('%s → %s, and back', (input, canonical) => {
    const t = parseTarget(input);
    expect(formatTarget(t)).toBe(canonical);
    expect(parseTarget(formatTarget(t))).toEqual(t);
  });

  it('writes container-id/ID without the runtime prefix', () => {
    expect(formatTarget(parseTarget(`container-id/docker://${ID}`, { kinds: AGENT_TARGET_KINDS }))).toBe(`container-id/${ID}`);
  });
});

describe('isKubeTarget', () => {
  it('is true exactly for the Kubernetes object kinds', () => {
    expect(isKubeTarget(parseTarget('svc/x'))).toBe(true);
    expect(isKubeTarget(parseTarget('targetless'))).toBe(false);
    expect(isKubeTarget(parseTarget('pid/1'))).toBe(false);
  });
});
