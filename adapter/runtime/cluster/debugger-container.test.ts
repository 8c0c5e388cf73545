import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { containerRunning, debuggerContainer, type DebuggerContainerSpec } from './debugger-container.js';

const spec: DebuggerContainerSpec = {
  namespace: 'shop', podName: 'api-1', targetContainer: 'app', image: 'kmirror/debugger:1', pullPolicy: 'IfNotPresent',
  prefix: 'kmirror-dlv', command: ['/usr/local/bin/dlv', 'dap', '--listen', '127.0.0.1:0'], readyLine: /x/, timeoutMs: 1000,
};

function podWith(state: object): V1Pod {
  return { metadata: { name: 'api-1' }, status: { ephemeralContainerStatuses: [{ name: 'kmirror-dlv-1', image: spec.image, imageID: '', ready: false, restartCount: 0, state }] } };
}

describe('debuggerContainer', () => {
  it('joins the target container and adds SYS_PTRACE, nothing else', () => {
    const c = debuggerContainer(spec, 'kmirror-dlv-1');
    expect(c).toMatchObject({ name: 'kmirror-dlv-1', image: 'kmirror/debugger:1', targetContainerName: 'app', command: spec.command });
    expect(c.securityContext).toEqual({ capabilities: { add: ['SYS_PTRACE'] } });
  });
});

describe('containerRunning', () => {
  it('waits while the container is created, and is done when it runs', () => {
    const seen: { detail?: string } = {};
    expect(containerRunning(podWith({ waiting: { reason: 'ContainerCreating' } }), spec, 'kmirror-dlv-1', seen)).toBeUndefined();
    expect(seen.detail).toMatch(/ContainerCreating/);
    expect(containerRunning(podWith({ running: {} }), spec, 'kmirror-dlv-1', seen)).toBe(true);
  });
  it('fails at once on an image the node cannot get, saying how to provide it', () => {
    for (const reason of ['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull']) {
      expect(() => containerRunning(podWith({ waiting: { reason, message: 'no such image' } }), spec, 'kmirror-dlv-1', {}))
        .toThrow(new RegExp(`cannot start: ${reason} no such image — the node cannot get the debugger image kmirror/debugger:1\\. Fix: build it from debugger/Dockerfile`));
    }
  });
  it('reports a debugger that exited, with its message', () => {
    expect(() => containerRunning(podWith({ terminated: { exitCode: 1, message: 'could not attach' } }), spec, 'kmirror-dlv-1', {})).toThrow(/exited \(exit code 1\): could not attach/);
  });
});
