import { describe, expect, it } from 'vitest';
import { remoteDlvAttachArgs } from './remote-attach-args.js';

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
