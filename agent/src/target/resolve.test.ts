import { describe, expect, it } from 'vitest';
import { parseEnviron } from '../services/env.js';
import { parseLocalTarget, resolveLocalTarget } from './resolve.js';

describe('local targets', () => {
  it('parses pid/N and netns/NAME', () => {
    expect(parseLocalTarget('pid/42')).toEqual({ kind: 'pid', pid: 42 });
    expect(parseLocalTarget('netns/pod-1')).toEqual({ kind: 'netns', name: 'pod-1' });
  });

  it('rejects anything else with a clear message', () => {
    for (const bad of ['pid/x', 'netns/../x', 'netns/..', 'pod/web', '']) {
      expect(() => parseLocalTarget(bad)).toThrow(/expected pid\/N or netns\/NAME/);
    }
  });

  it('resolves this process to its namespace, root and environ', () => {
    const t = resolveLocalTarget(`pid/${process.pid}`);
    expect(t).toMatchObject({ pid: process.pid, netnsPath: `/proc/${process.pid}/ns/net`, rootPath: `/proc/${process.pid}/root`, environPath: `/proc/${process.pid}/environ` });
    expect(t.netnsIno).toBeGreaterThan(0);
  });

  it('names a missing target', () => {
    expect(() => resolveLocalTarget('netns/kmirror-does-not-exist')).toThrow(/cannot open \/var\/run\/netns\/kmirror-does-not-exist/);
  });
});

describe('environ', () => {
  it('splits NUL-separated entries at the first =', () => {
    expect(parseEnviron(Buffer.from('A=1\0B=x=y\0EMPTY=\0junk\0'))).toEqual({ A: '1', B: 'x=y', EMPTY: '' });
  });
});
