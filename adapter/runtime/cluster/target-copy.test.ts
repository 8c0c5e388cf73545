import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { deploymentOfPod, scaleLeaseName } from './scale-down.js';
import { buildCopyJob, copyJobName } from './target-copy.js';

const pod: V1Pod = {
  metadata: {
    name: 'web-5d8f9c7b6-abcde', namespace: 'shop', uid: 'u1', labels: { app: 'web', 'pod-template-hash': '5d8f9c7b6' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f9c7b6', uid: 'rs', controller: true }],
  },
  spec: {
    nodeName: 'node-1', restartPolicy: 'Always', hostname: 'web', serviceAccountName: 'default',
    containers: [{ name: 'app', image: 'img', volumeMounts: [{ name: 'kube-api-access-x1', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }, { name: 'data', mountPath: '/data' }] }],
    volumes: [{ name: 'kube-api-access-x1', projected: { sources: [] } }, { name: 'data', emptyDir: {} }],
    ephemeralContainers: [{ name: 'kmirror-agent-1', image: 'agent' }],
  },
};
const owner = { apiVersion: 'v1', kind: 'Secret', name: 'o', uid: 'ou' };

describe('buildCopyJob', () => {
  const job = buildCopyJob(pod, { copyId: 'c0ffee01', owner, activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 5 });
  const spec = job.spec?.template.spec;

  it('copies the spec unscheduled, without ephemeral containers or the service account token volume', () => {
    expect(spec?.containers[0]).toMatchObject({ name: 'app', image: 'img', volumeMounts: [{ name: 'data', mountPath: '/data' }] });
    expect(spec?.volumes).toEqual([{ name: 'data', emptyDir: {} }]);
    expect(spec).not.toHaveProperty('nodeName');
    expect(spec).not.toHaveProperty('ephemeralContainers');
    expect(spec).not.toHaveProperty('hostname');
    expect(spec?.restartPolicy).toBe('Never');
    expect(spec?.serviceAccountName).toBe('default');
  });

  it('carries only kmirror labels (no Service selects it), is owned, bounded and valid as a name', () => {
    expect(job.spec?.template.metadata?.labels).toEqual({ 'app.kubernetes.io/name': 'kmirror-target-copy', 'app.kubernetes.io/managed-by': 'kmirror', 'kmirror.dev/session': 'c0ffee01' });
    expect(job.metadata?.ownerReferences).toEqual([owner]);
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 5 });
    expect(job.metadata?.name).toBe(copyJobName('web-5d8f9c7b6-abcde', 'c0ffee01'));
    expect(copyJobName('a'.repeat(80), 'c0ffee01').length).toBeLessThanOrEqual(52);
    expect(copyJobName('web-5d8f9c7b6-abcde', 'c0ffee01')).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
  });
});

describe('deploymentOfPod', () => {
  it('follows the ReplicaSet name and the pod-template-hash to the Deployment', () => {
    expect(deploymentOfPod(pod)).toBe('web');
  });
  it('is undefined for a pod that no ReplicaSet of a Deployment owns', () => {
    expect(deploymentOfPod({ metadata: { name: 'p' } })).toBeUndefined();
    expect(deploymentOfPod({ metadata: { ...pod.metadata, labels: {} } })).toBeUndefined();
    expect(deploymentOfPod({ metadata: { ...pod.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 's', controller: true }] } })).toBeUndefined();
  });
  it('names the scale lease within 63 characters', () => {
    expect(scaleLeaseName('web')).toBe('kmirror-scaled-web');
    expect(scaleLeaseName('x'.repeat(80)).length).toBeLessThanOrEqual(63);
  });
});
