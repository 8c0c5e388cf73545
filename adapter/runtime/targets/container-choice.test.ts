import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { chooseContainer, DEFAULT_CONTAINER_ANNOTATION } from './container-choice.js';

function pod(names: string[], annotations?: Record<string, string>): V1Pod {
  return { metadata: { name: 'web-1', ...(annotations ? { annotations } : {}) }, spec: { containers: names.map((name) => ({ name })) } };
}

describe('chooseContainer', () => {
  it('uses the explicit container without a warning', () => {
    expect(chooseContainer(pod(['istio-proxy', 'app']), 'istio-proxy')).toEqual({ name: 'istio-proxy', reason: 'explicit' });
  });

  it('rejects an explicit container the pod does not have, listing the ones it has', () => {
    expect(() => chooseContainer(pod(['app', 'istio-proxy']), 'nope')).toThrow('pod web-1 has no container "nope" (containers: app, istio-proxy)');
  });

  it('follows the default-container annotation', () => {
    expect(chooseContainer(pod(['a', 'b'], { [DEFAULT_CONTAINER_ANNOTATION]: 'b' }))).toEqual({ name: 'b', reason: 'annotation' });
  });

  it('ignores an annotation naming a missing container', () => {
    const c = chooseContainer(pod(['istio-proxy', 'app'], { [DEFAULT_CONTAINER_ANNOTATION]: 'gone' }));
    expect(c.name).toBe('app');
  });

  it('takes the only container silently', () => {
    expect(chooseContainer(pod(['app']))).toEqual({ name: 'app', reason: 'only-container' });
  });

  it.each([
    [['istio-proxy', 'app'], 'app'],
    [['linkerd-proxy', 'kuma-sidecar', 'server'], 'server'],
    [['vault-agent', 'queue-proxy', 'user-container'], 'user-container'],
    [['api', 'worker'], 'api'],
  ])('skips sidecars in %j and warns naming %s', (names, expected) => {
    const c = chooseContainer(pod(names));
    expect(c.name).toBe(expected);
    expect(c.reason).toBe('first-non-sidecar');
    expect(c.warning).toContain(`targeting "${expected}"`);
    expect(c.warning).toContain('-c NAME');
  });

  it('falls back to the first container when all look like sidecars', () => {
    const c = chooseContainer(pod(['istio-proxy', 'linkerd-proxy']));
    expect(c).toMatchObject({ name: 'istio-proxy', reason: 'first-container' });
    expect(c.warning).toMatch(/looks like a sidecar/);
  });

  it('fails for a pod without containers', () => {
    expect(() => chooseContainer(pod([]))).toThrow(/has no containers/);
  });
});
