import { describe, expect, it } from 'vitest';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { agentContainerState, UNSCHEDULABLE_FIX } from './agent-pod-status.js';

function pod(state: V1ContainerStatus['state'], opts: { ephemeral?: boolean; phase?: string; deleting?: boolean } = {}): V1Pod {
  const status: V1ContainerStatus = { name: 'kmirror-agent', image: 'kmirror/agent:0.1.0', imageID: '', ready: false, restartCount: 0, ...(state ? { state } : {}) };
  return {
    metadata: { name: 'agent-pod', ...(opts.deleting ? { deletionTimestamp: new Date() } : {}) },
    status: { phase: opts.phase ?? 'Running', ...(opts.ephemeral ? { ephemeralContainerStatuses: [status] } : { containerStatuses: [status] }) },
  };
}

describe('agentContainerState', () => {
  it('reports running containers (regular and ephemeral)', () => {
    expect(agentContainerState(pod({ running: {} }), 'kmirror-agent', false)).toEqual({ state: 'running' });
    expect(agentContainerState(pod({ running: {} }, { ephemeral: true }), 'kmirror-agent', true)).toEqual({ state: 'running' });
  });

  it('is pending while the container is created or absent', () => {
    expect(agentContainerState(pod({ waiting: { reason: 'ContainerCreating' } }), 'kmirror-agent', false)).toMatchObject({ state: 'pending' });
    expect(agentContainerState({ metadata: { name: 'p' }, status: { phase: 'Pending' } }, 'kmirror-agent', false)).toMatchObject({ state: 'pending' });
  });

  it('fails on a missing image with the reason and the commands that fix it', () => {
    const st = agentContainerState(pod({ waiting: { reason: 'ErrImageNeverPull', message: 'Container image "kmirror/agent:0.1.0" is not present' } }), 'kmirror-agent', false);
    expect(st.state).toBe('failed');
    expect(st).toMatchObject({ message: expect.stringMatching(/ErrImageNeverPull Container image "kmirror\/agent:0.1.0" is not present.*kmirror image build --load/) });
  });

  it('fails at the first ErrImagePull with the registry\'s reason, the push command and the agent.image setting', () => {
    const reason = 'failed to pull and unpack image "docker.io/kmirror/agent:0.1.0": pull access denied, repository does not exist or may require authorization';
    const st = agentContainerState(pod({ waiting: { reason: 'ErrImagePull', message: reason } }), 'kmirror-agent', false);
    expect(st.state).toBe('failed');
    const message = (st as { message: string }).message;
    expect(message).toContain(`ErrImagePull ${reason}`);
    expect(message).toContain('kmirror image build --push --tag REGISTRY/kmirror-agent:');
    expect(message).toContain('"agent": {"image": "REGISTRY/kmirror-agent:');
    expect(agentContainerState(pod({ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } }, { ephemeral: true }), 'kmirror-agent', true))
      .toMatchObject({ state: 'failed', message: expect.stringContaining('kmirror image build') });
  });

  it('fails when the scheduler finds no node, with its reason and the ephemeral mode as the fix', () => {
    const unschedulable: V1Pod = {
      metadata: { name: 'agent-pod' },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable',
        message: '0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: db}.' }] },
    };
    expect(agentContainerState(unschedulable, 'kmirror-agent', false)).toEqual({ state: 'failed', message:
      `agent pod agent-pod cannot be scheduled: 0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: db}.. ${UNSCHEDULABLE_FIX}` });
    expect(UNSCHEDULABLE_FIX).toContain('"agent": {"ephemeral": true}');
    // A pod still being scheduled is not a failure.
    expect(agentContainerState({ metadata: { name: 'p' }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] } }, 'kmirror-agent', false).state).toBe('pending');
  });

  it('fails with the exit code and the termination message', () => {
    const st = agentContainerState(pod({ terminated: { exitCode: 2, reason: 'Error', message: 'no process in container deadbeef' } }), 'kmirror-agent', false);
    expect(st).toEqual({ state: 'failed', message: 'agent container kmirror-agent in pod agent-pod exited (exit code 2, Error): no process in container deadbeef' });
  });

  it('fails when the pod is being deleted or ended', () => {
    expect(agentContainerState(pod({ running: {} }, { deleting: true }), 'kmirror-agent', false).state).toBe('failed');
    expect(agentContainerState({ metadata: { name: 'p' }, status: { phase: 'Failed', reason: 'DeadlineExceeded' } }, 'kmirror-agent', false))
      .toMatchObject({ state: 'failed', message: expect.stringContaining('DeadlineExceeded') });
  });

  it('keeps waiting through CreateContainerConfigError (the kubelet retries it: secret cache not yet synced)', () => {
    const st = agentContainerState(pod({ waiting: { reason: 'CreateContainerConfigError', message: 'failed to sync secret cache: timed out waiting for the condition' } }), 'kmirror-agent', false);
    expect(st).toEqual({ state: 'pending', detail: 'container kmirror-agent: CreateContainerConfigError (failed to sync secret cache: timed out waiting for the condition)' });
  });
});
