import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KmirrorConfig } from '../config/types.js';
import { placementForTarget } from './placement-for-target.js';

// A kubeconfig that is never dialled: choosing a placement only loads it.
const KUBECONFIG = JSON.stringify({
  apiVersion: 'v1', kind: 'Config', 'current-context': 'dev',
  contexts: [{ name: 'dev', context: { cluster: 'c', user: 'u', namespace: 'shop' } }],
  clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
  users: [{ name: 'u', user: { token: 't' } }],
});

const ctx = { log: () => undefined };

describe('placementForTarget', () => {
  let dir: string;
  const saved = process.env.KUBECONFIG;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kmirror-placement-'));
    writeFileSync(join(dir, 'config'), KUBECONFIG);
    process.env.KUBECONFIG = join(dir, 'config');
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it.each<[string, KmirrorConfig, string]>([
    ['pid/1', {}, 'local'],
    ['netns/demo', {}, 'local'],
    ['pid/1', { target: { path: 'pid/1', namespace: 'shop' } }, 'local'],
    ['deploy/web', {}, 'node-job'],
    ['svc/web/container/app', { agent: { ephemeral: false } }, 'node-job'],
    ['pod/web', { agent: { ephemeral: true } }, 'ephemeral'],
    ['targetless', {}, 'targetless'],
    ['targetless', { agent: { ephemeral: true } }, 'targetless'],
  ])('%s with %j → %s', async (target, config, mode) => {
    expect((await placementForTarget(target, config, ctx)).mode).toBe(mode);
  });

  it('rejects a bad target naming it, before anything starts', async () => {
    await expect(placementForTarget('cronjob/x', {}, ctx)).rejects.toMatchObject({ name: 'TargetError', message: expect.stringContaining('bad target "cronjob/x"') });
    await expect(placementForTarget('pid/0', {}, ctx)).rejects.toThrow(/pid\/N needs a process ID/);
  });

  it('rejects the node agent\'s own container-id form', async () => {
    await expect(placementForTarget(`container-id/${'ab'.repeat(32)}`, {}, ctx)).rejects.toThrow(/kind "container-id" is not accepted here/);
  });

  it('rejects a bad namespace from the configuration', async () => {
    await expect(placementForTarget('deploy/web', { target: { path: 'deploy/web', namespace: 'Bad_NS' } }, ctx)).rejects.toThrow(/"Bad_NS" is not a valid namespace/);
  });
});
