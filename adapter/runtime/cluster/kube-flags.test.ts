import { describe, expect, it } from 'vitest';
import { applyKubeFlags } from './kube-flags.js';

describe('applyKubeFlags', () => {
  it('leaves the config alone without flags', () => {
    expect(applyKubeFlags({ target: 'pod/a' }, {})).toEqual({ config: { target: 'pod/a' }, target: 'pod/a' });
  });

  it('applies -n, -c, --context and --kubeconfig over the file', () => {
    const r = applyKubeFlags({ target: { path: 'deploy/web', namespace: 'file-ns' }, kube_context: 'file-ctx' }, { namespace: 'shop', container: 'app', context: 'dev', kubeconfig: '/k' });
    expect(r).toEqual({ config: { target: { path: 'deploy/web/container/app', namespace: 'shop' }, kube_context: 'dev' }, target: 'deploy/web/container/app', kubeconfig: '/k' });
  });

  it('uses --target over the file and keeps an explicit /container/', () => {
    expect(applyKubeFlags({ target: 'pod/a' }, { container: 'x' }, 'pod/b/container/y').target).toBe('pod/b/container/y');
  });
});
