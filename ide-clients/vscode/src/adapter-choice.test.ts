import { describe, expect, it } from 'vitest';
import { chooseAdapter } from './adapter-choice.js';

const bundled = '/ext/dist/kmirror-dap.js';
const none = () => false;

describe('chooseAdapter', () => {
  it('prefers a configured adapter server', () => {
    expect(chooseAdapter({ server: '4711', bundledAdapter: bundled, isExecutable: none })).toEqual({ kind: 'server', host: '127.0.0.1', port: 4711 });
    expect(chooseAdapter({ server: 'devbox:4711', adapterPath: '/x', bundledAdapter: bundled, isExecutable: none }))
      .toEqual({ kind: 'server', host: 'devbox', port: 4711 });
  });

  it('rejects a malformed server setting with the setting name', () => {
    expect(() => chooseAdapter({ server: 'host:99999', bundledAdapter: bundled, isExecutable: none })).toThrow(/kmirror.adapterServer must be PORT or HOST:PORT/);
  });

  it('uses the adapterPath setting, running .js files under node', () => {
    expect(chooseAdapter({ adapterPath: '/opt/km/kmirror-dap.js', nodePath: '/usr/bin/node', bundledAdapter: bundled, isExecutable: none }))
      .toEqual({ kind: 'executable', command: '/usr/bin/node', args: ['/opt/km/kmirror-dap.js'], source: 'setting' });
    expect(chooseAdapter({ adapterPath: '/usr/local/bin/kmirror-dap', defaultTarget: 'pod/web', bundledAdapter: bundled, isExecutable: none }))
      .toEqual({ kind: 'executable', command: '/usr/local/bin/kmirror-dap', args: ['--target', 'pod/web'], source: 'setting' });
  });

  it('finds kmirror-dap on PATH before the bundled copy', () => {
    const isExecutable = (p: string) => p === '/b/kmirror-dap';
    expect(chooseAdapter({ pathEnv: '/a::/b:/c', bundledAdapter: bundled, isExecutable }))
      .toEqual({ kind: 'executable', command: '/b/kmirror-dap', args: [], source: 'path' });
  });

  it('falls back to the bundled adapter', () => {
    expect(chooseAdapter({ pathEnv: '/a', bundledAdapter: bundled, isExecutable: none }))
      .toEqual({ kind: 'executable', command: 'node', args: [bundled], source: 'bundled' });
  });
});
