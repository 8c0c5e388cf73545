import { describe, expect, it } from 'vitest';
import { DEFAULT_DEBUGGER_IMAGE, debuggerSpec, listenAddress } from './debugger-placement.js';

describe('debuggerSpec', () => {
  it('runs dlv dap on a kernel-picked loopback port of the pod, with the default image', () => {
    const spec = debuggerSpec('go', {}, 5000);
    expect(spec).toMatchObject({ image: DEFAULT_DEBUGGER_IMAGE, pullPolicy: 'IfNotPresent', command: ['/usr/local/bin/dlv', 'dap', '--listen', '127.0.0.1:0'] });
    expect(listenAddress(spec.readyLine.exec('API server... \nDAP server listening at: 127.0.0.1:40123\n')!)).toEqual({ host: '127.0.0.1', port: 40123 });
  });
  it('takes the image and pull policy from the debugger settings', () => {
    expect(debuggerSpec('go', { debugger: { image: 'r.example/dbg:2', image_pull_policy: 'Always' } }, 5000)).toMatchObject({ image: 'r.example/dbg:2', pullPolicy: 'Always' });
  });
});
