import { describe, expect, it } from 'vitest';
import {
  agentSecretName, buildEphemeralContainer, buildNodeJob, buildTargetlessJob, buildTokenSecret, LABEL_MANAGED_BY, LABEL_SESSION, NODE_JOB_CAPABILITIES,
  pickEphemeralPort,
} from './agent-pod-spec.js';

const common = { image: 'kmirror/agent:0.1.0', pullPolicy: 'IfNotPresent' as const, sessionId: 'abcd1234', port: 47777, idleExitSeconds: 10 };
const tokenFromSecret = { name: 'KMIRROR_AGENT_TOKEN', valueFrom: { secretKeyRef: { name: 'kmirror-agent-abcd1234', key: 'token' } } };

describe('buildNodeJob', () => {
  const job = buildNodeJob({
    ...common, namespace: 'shop', nodeName: 'node-1', containerId: 'deadbeef'.repeat(8), targetDescription: 'shop/web-1/app',
    activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 5,
  });
  const podSpec = job.spec?.template.spec;
  const container = podSpec?.containers[0];

  it('pins the pod to the target node with hostPID and no restarts', () => {
    expect(podSpec).toMatchObject({ nodeName: 'node-1', hostPID: true, restartPolicy: 'Never', automountServiceAccountToken: false });
    expect(podSpec?.hostNetwork).toBeUndefined();
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 5 });
  });

  it('adds exactly the needed capabilities and is never privileged', () => {
    expect(container?.securityContext?.privileged).toBe(false);
    expect(container?.securityContext?.capabilities?.add).toEqual([...NODE_JOB_CAPABILITIES]);
    expect(container?.securityContext?.capabilities?.add).toEqual(['BPF', 'NET_ADMIN', 'SYS_ADMIN', 'SYS_PTRACE']);
    expect(podSpec?.volumes).toBeUndefined();
  });

  it('targets the container by ID, listens on loopback, takes the token from the session Secret', () => {
    expect(container?.args).toEqual(['--target', `container-id/${'deadbeef'.repeat(8)}`, '--listen', '127.0.0.1:47777', '--idle-exit', '10']);
    expect(container?.env).toEqual([tokenFromSecret]);
    expect(container?.env?.some((e) => e.value !== undefined && e.name === 'KMIRROR_AGENT_TOKEN')).toBe(false);
    expect(container).toMatchObject({ image: 'kmirror/agent:0.1.0', imagePullPolicy: 'IfNotPresent' });
  });

  it('labels the job and its pod with the session', () => {
    for (const labels of [job.metadata?.labels, job.spec?.template.metadata?.labels]) {
      expect(labels).toMatchObject({ [LABEL_SESSION]: 'abcd1234', [LABEL_MANAGED_BY]: 'kmirror' });
    }
    expect(job.metadata?.name).toBe('kmirror-agent-abcd1234');
  });

  it('passes the node addresses as probe sources', () => {
    const j = buildNodeJob({ ...common, probeSources: ['10.0.0.5', 'fd00::5'], namespace: 'n', nodeName: 'x', containerId: 'ab', targetDescription: '', activeDeadlineSeconds: 1, ttlSecondsAfterFinished: 1 });
    expect(j.spec?.template.spec?.containers[0]?.env).toContainEqual({ name: 'KMIRROR_PROBE_SOURCES', value: '10.0.0.5,fd00::5' });
  });

  it('uses a custom command when given', () => {
    const j = buildNodeJob({ ...common, command: ['node', '/agent.js'], namespace: 'n', nodeName: 'x', containerId: 'ab', targetDescription: '', activeDeadlineSeconds: 1, ttlSecondsAfterFinished: 1 });
    expect(j.spec?.template.spec?.containers[0]?.command).toEqual(['node', '/agent.js']);
  });
});

describe('buildEphemeralContainer', () => {
  it('targets the container, PID 1 in its namespace, without capabilities by default', () => {
    const c = buildEphemeralContainer({ ...common, targetContainer: 'app', withTrafficCapabilities: false });
    expect(c).toMatchObject({ name: 'kmirror-agent-abcd1234', targetContainerName: 'app', args: ['--target', 'pid/1', '--listen', '127.0.0.1:47777', '--idle-exit', '10'] });
    expect(c.securityContext).toEqual({ privileged: false, allowPrivilegeEscalation: false });
    expect(c.env).toEqual([tokenFromSecret]);
  });

  it('asks for BPF/NET_ADMIN/SYS_ADMIN when steal/mirror are wanted, and runs as the target user', () => {
    const c = buildEphemeralContainer({ ...common, targetContainer: 'app', withTrafficCapabilities: true, runAsUser: 1000 });
    expect(c.securityContext).toEqual({ privileged: false, allowPrivilegeEscalation: false, runAsUser: 1000, capabilities: { add: ['BPF', 'NET_ADMIN', 'SYS_ADMIN'] } });
  });
});

describe('buildTokenSecret', () => {
  it('holds the token under the key the agent env references, labelled with the session', () => {
    const s = buildTokenSecret({ sessionId: 'abcd1234', namespace: 'shop', token: 's3cret' });
    expect(s).toMatchObject({ kind: 'Secret', type: 'Opaque', immutable: true, stringData: { token: 's3cret' } });
    expect(s.metadata).toMatchObject({ name: agentSecretName('abcd1234'), namespace: 'shop' });
    expect(s.metadata?.name).toBe(tokenFromSecret.valueFrom.secretKeyRef.name);
    expect(s.metadata?.labels).toMatchObject({ [LABEL_SESSION]: 'abcd1234', [LABEL_MANAGED_BY]: 'kmirror' });
    expect(s.metadata?.ownerReferences).toBeUndefined();
  });

  it('names its owner when given, without blocking the owner deletion', () => {
    const owner = { apiVersion: 'batch/v1', kind: 'Job', name: 'kmirror-agent-abcd1234', uid: '1-2-3' };
    const s = buildTokenSecret({ sessionId: 'abcd1234', namespace: 'shop', token: 's3cret', owner, extraLabels: { team: 'a' } });
    expect(s.metadata?.ownerReferences).toEqual([owner]);
    expect(s.metadata?.labels).toMatchObject({ team: 'a', [LABEL_SESSION]: 'abcd1234' });
  });

  it('keeps the name a valid object name for long session IDs', () => {
    expect(agentSecretName('x'.repeat(80)).length).toBeLessThanOrEqual(63);
  });
});

describe('pickEphemeralPort', () => {
  it('avoids ports the pod declares', () => {
    const values = [0, 0.5];   // 40000 (declared) then 50000
    const port = pickEphemeralPort({ spec: { containers: [{ name: 'a', ports: [{ containerPort: 40000 }] }] } }, () => values.shift() ?? 0.9);
    expect(port).toBe(50000);
  });
});

describe('buildTargetlessJob', () => {
  it('is a plain pod: not pinned, no hostPID, no capabilities, serving its own netns', () => {
    const job = buildTargetlessJob({ ...common, namespace: 'n', nodeName: '', containerId: '', targetDescription: 'targetless', activeDeadlineSeconds: 60, ttlSecondsAfterFinished: 5 });
    const spec = job.spec?.template.spec;
    expect(spec).toMatchObject({ hostPID: false, restartPolicy: 'Never' });
    expect(spec?.nodeName).toBeUndefined();
    expect(spec?.containers[0]?.securityContext).toEqual({ privileged: false, allowPrivilegeEscalation: false });
    expect(spec?.containers[0]?.args?.slice(0, 2)).toEqual(['--target', 'pid/1']);
    expect(job.metadata?.labels).toMatchObject({ [LABEL_SESSION]: 'abcd1234' });
    expect(spec?.containers[0]?.env).toEqual([tokenFromSecret]);
  });
});
