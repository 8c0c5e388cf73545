import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openKubeAccess } from './kube-access.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: { cluster: c1, user: u1, namespace: shop }
- name: prod
  context: { cluster: c2, user: u1 }
clusters:
- name: c1
  cluster: { server: 'https://127.0.0.1:1' }
- name: c2
  cluster: { server: 'https://127.0.0.1:2' }
users:
- name: u1
  user: { token: t }
`;

describe('openKubeAccess', () => {
  let dir: string;
  let file: string;
  const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kmirror-kc-'));
    file = join(dir, 'config');
    writeFileSync(file, KUBECONFIG);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
  });

  it('uses the current context and its namespace', () => {
    const a = openKubeAccess({ kubeconfig: file });
    expect(a).toMatchObject({ contextName: 'dev', namespace: 'shop' });
    expect(a.kubeConfig.getCurrentCluster()?.server).toBe('https://127.0.0.1:1');
  });

  it('switches context; -n wins; default namespace is "default"', () => {
    expect(openKubeAccess({ kubeconfig: file, context: 'prod' })).toMatchObject({ contextName: 'prod', namespace: 'default' });
    expect(openKubeAccess({ kubeconfig: file, context: 'prod', namespace: 'x' }).namespace).toBe('x');
  });

  it('reads $KUBECONFIG when no file is given', () => {
    process.env.KUBECONFIG = file;
    expect(openKubeAccess({}).contextName).toBe('dev');
  });

  it('names the known contexts for an unknown one', () => {
    expect(() => openKubeAccess({ kubeconfig: file, context: 'nope' })).toThrow('context "nope" is not in the kubeconfig (contexts: dev, prod)');
  });

  it('fails clearly for a missing file and when no kubeconfig exists at all', () => {
    expect(() => openKubeAccess({ kubeconfig: join(dir, 'missing') })).toThrow(/cannot load kubeconfig .*missing/);
    delete process.env.KUBECONFIG;
    process.env.HOME = dir;     // no ~/.kube/config here
    expect(() => openKubeAccess({})).toThrow(/no kubeconfig found/);
  });
});
