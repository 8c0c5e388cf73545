import { describe, expect, it } from 'vitest';
import { applyKubeFlags } from '../cluster/kube-flags.js';
import { clusterOptionsFromConfig } from './options-from-config.js';

describe('clusterOptionsFromConfig', () => {
  it('is undefined without a target', () => {
    expect(clusterOptionsFromConfig({})).toBeUndefined();
  });

  it('maps mirrord-style keys', () => {
    expect(clusterOptionsFromConfig({
      target: { path: 'deploy/web/container/app', namespace: 'shop' },
      kube_context: 'dev',
      agent: { ephemeral: true, image: 'reg/agent:1', image_pull_policy: 'Never', namespace: 'tools', ttl: 20, startup_timeout: 30, log_level: 'trace' },
    })).toEqual({
      target: 'deploy/web/container/app', namespace: 'shop', context: 'dev',
      agent: { mode: 'ephemeral', image: 'reg/agent:1', pullPolicy: 'Never', namespace: 'tools', idleExitSeconds: 20, startupTimeoutMs: 30_000, logLevel: 'debug' },
    });
  });

  it('maps feature.copy_target (mirrord: a boolean or { scale_down })', () => {
    expect(clusterOptionsFromConfig({ target: 'deploy/web', feature: { copy_target: true } })?.copyTarget).toEqual({ scaleDown: false });
    expect(clusterOptionsFromConfig({ target: 'deploy/web', feature: { copy_target: { scale_down: true } } })?.copyTarget).toEqual({ scaleDown: true });
    expect(clusterOptionsFromConfig({ target: 'deploy/web', feature: { copy_target: false } })?.copyTarget).toBeUndefined();
  });

  it('lets flags win over the file', () => {
    expect(clusterOptionsFromConfig({ target: 'pod/a', kube_context: 'dev' }, { target: 'pod/b', context: 'prod', namespace: 'x', container: 'c', kubeconfig: '/k' }))
      .toEqual({ target: 'pod/b', context: 'prod', namespace: 'x', container: 'c', kubeconfig: '/k', agent: {} });
  });

  it('reads back the flags applyKubeFlags put into the config', () => {
    const r = applyKubeFlags({ target: { path: 'deploy/web', namespace: 'file-ns' }, kube_context: 'file-ctx' }, { namespace: 'shop', container: 'app', context: 'dev' });
    expect(clusterOptionsFromConfig(r.config, { target: r.target })).toMatchObject({ target: 'deploy/web/container/app', namespace: 'shop', context: 'dev' });
  });
});
