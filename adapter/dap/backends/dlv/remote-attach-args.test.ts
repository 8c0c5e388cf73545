import { describe, expect, it } from 'vitest';
import { remoteDlvAttachArgs, withPtraceHint } from './remote-attach-args.js';

describe('remoteDlvAttachArgs', () => {
  it('attaches in mode local to the pid in the container, mapping localRoot to remoteRoot', () => {
    expect(remoteDlvAttachArgs({ request: 'attach', localRoot: '/home/me/svc', remoteRoot: '/build/svc', processId: 99 }, 7)).toEqual({
      mode: 'local', processId: 7, stopOnEntry: false, substitutePath: [{ from: '/home/me/svc', to: '/build/svc' }],
    });
  });
  it('keeps a given substitutePath before the roots and passes other dlv fields through', () => {
    const config = { request: 'attach', substitutePath: [{ from: '/a', to: '/b' }], showGlobalVariables: true } as never;
    expect(remoteDlvAttachArgs(config, 1)).toMatchObject({ substitutePath: [{ from: '/a', to: '/b' }], showGlobalVariables: true, processId: 1 });
  });
});

describe('withPtraceHint', () => {
  it('adds what refuses ptrace in a pod to dlv\'s EPERM, and leaves other errors alone', () => {
    expect((withPtraceHint(new Error('could not attach to pid 1: operation not permitted')) as Error).message).toMatch(/ptrace was refused: .*runAsUser.*ptrace_scope = 3/);
    expect((withPtraceHint(new Error('no such process')) as Error).message).toBe('no such process');
  });
});
