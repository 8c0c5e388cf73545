import { describe, expect, it } from 'vitest';
import { parseEnviron } from '../services/env.js';
import { netnsEtcDir, resolveLocalTarget } from './resolve.js';

describe('agent targets', () => {
  it('resolves this process to its namespace, root and environ', () => {
    const t = resolveLocalTarget(`pid/${process.pid}`);
    expect(t).toMatchObject({ pid: process.pid, netnsPath: `/proc/${process.pid}/ns/net`, rootPath: `/proc/${process.pid}/root`, environPath: `/proc/${process.pid}/environ` });
    expect(t.netnsIno).toBeGreaterThan(0);
    expect(netnsEtcDir(t)).toBeUndefined();
  });

  it('names a missing target', () => {
    expect(() => resolveLocalTarget('netns/kmirror-does-not-exist')).toThrow(/cannot open \/var\/run\/netns\/kmirror-does-not-exist/);
  });

  it.each(['pid/x', 'pid/0', 'netns/../x', 'netns/..', 'pod/web', 'targetless', ''])('rejects %j as INVALID_ARGUMENT listing what an agent serves', (bad) => {
    expect(() => resolveLocalTarget(bad)).toThrow(expect.objectContaining({ name: 'TunnelError', code: 'INVALID_ARGUMENT' }));
  });

  it('lists the forms an agent accepts for an unknown kind', () => {
    expect(() => resolveLocalTarget('pod/web')).toThrow('bad target "pod/web": kind "pod" is not accepted here; expected pid/N, netns/NAME, container-id/ID');
  });
});

describe('environ', () => {
  it('splits NUL-separated entries at the first =', () => {
    expect(parseEnviron(Buffer.from('A=1\0B=x=y\0EMPTY=\0junk\0'))).toEqual({ A: '1', B: 'x=y', EMPTY: '' });
  });
});
