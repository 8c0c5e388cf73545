import { readFileSync } from 'node:fs';
import { loadAllYaml, type V1ClusterRole } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { describeNeed, PERMISSION_NEEDS, placementsAllowed, podSecurityVerdict, type PermissionResult } from './permissions.js';

describe('deploy/rbac.yaml', () => {
  const docs = loadAllYaml(readFileSync(new URL('../../../deploy/rbac.yaml', import.meta.url), 'utf8')) as V1ClusterRole[];
  const role = docs.find((d) => d.kind === 'ClusterRole');
  const grants = (group: string, resource: string, verb: string): boolean =>
    (role?.rules ?? []).some((r) => (r.apiGroups ?? []).includes(group) && (r.resources ?? []).includes(resource) && (r.verbs ?? []).includes(verb));

  it('grants every permission kmirror needs', () => {
    expect(role?.metadata?.name).toBe('kmirror-user');
    const missing = PERMISSION_NEEDS.filter((n) => !grants(n.group, n.subresource ? `${n.resource}/${n.subresource}` : n.resource, n.verb)).map(describeNeed);
    expect(missing).toEqual([]);
  });

  it('never grants pods create, exec or wildcards', () => {
    expect(grants('', 'pods', 'create')).toBe(false);
    expect(grants('', 'pods/exec', 'create')).toBe(false);
    const flat = JSON.stringify(role?.rules);
    expect(flat).not.toContain('"*"');
  });

  it('never grants reading secrets (the session token secret is only created, patched and deleted)', () => {
    for (const verb of ['get', 'list', 'watch']) expect(grants('', 'secrets', verb)).toBe(false);
  });
});

describe('placementsAllowed', () => {
  const result = (over: Partial<PermissionResult>[]): PermissionResult[] =>
    PERMISSION_NEEDS.map((n) => ({ ...n, allowed: !over.some((o) => o.resource === n.resource && o.verb === n.verb && o.subresource === n.subresource) }));

  it('allows both placements when everything is granted', () => {
    expect(placementsAllowed(result([]))).toEqual({ nodeJob: true, ephemeral: true, missingAlways: [] });
  });
  it('loses only the node job without jobs create', () => {
    expect(placementsAllowed(result([{ resource: 'jobs', verb: 'create' }]))).toMatchObject({ nodeJob: false, ephemeral: true });
  });
  it('loses both placements without secrets create, only the node job without secrets patch', () => {
    expect(placementsAllowed(result([{ resource: 'secrets', verb: 'create' }]))).toMatchObject({ nodeJob: false, ephemeral: false });
    expect(placementsAllowed(result([{ resource: 'secrets', verb: 'patch' }]))).toMatchObject({ nodeJob: false, ephemeral: true });
  });
  it('loses everything without port-forward', () => {
    const r = placementsAllowed(result([{ resource: 'pods', subresource: 'portforward', verb: 'create' }]));
    expect(r).toMatchObject({ nodeJob: false, ephemeral: false });
    expect(r.missingAlways.map(describeNeed)).toEqual(['create pods/portforward']);
  });
});

describe('podSecurityVerdict', () => {
  it('allows the node job only under privileged (or no label)', () => {
    expect(podSecurityVerdict(undefined)).toEqual({ level: 'privileged', nodeJobAllowed: true });
    expect(podSecurityVerdict({ 'pod-security.kubernetes.io/enforce': 'baseline' })).toEqual({ level: 'baseline', nodeJobAllowed: false });
    expect(podSecurityVerdict({ 'pod-security.kubernetes.io/enforce': 'restricted' }).nodeJobAllowed).toBe(false);
  });
});
