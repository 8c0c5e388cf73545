import { describe, expect, it } from 'vitest';
import type { DebugBackend } from '../backends/backend.js';
import type { KmirrorLaunchConfig } from './launch-config.js';
import { selectBackend } from './select-backend.js';

// Partial fakes: selectBackend reads only kind and claims.
const fake = (kind: string, extension: string): DebugBackend => ({ kind, claims: (c) => c.program?.endsWith(extension) ?? false, start: () => Promise.reject(new Error('not started')) });
const backends = [fake('go', '.go'), fake('python', '.py')];
const launch = (fields: Partial<KmirrorLaunchConfig>): KmirrorLaunchConfig => ({ request: 'launch', ...fields });

describe('selectBackend', () => {
  it('takes the first backend that claims the program', () => {
    expect(selectBackend(launch({ program: 'app.py' }), backends).kind).toBe('python');
  });

  it('takes the named debugger, unless another one claims the program', () => {
    expect(selectBackend(launch({ program: 'app', debugger: 'python' }), backends).kind).toBe('python');
    expect(() => selectBackend(launch({ program: 'app.py', debugger: 'go' }), backends)).toThrow('"debugger": "go" cannot debug app.py (it is a python program)');
  });

  it('names the kinds it was given when nothing claims the program', () => {
    expect(() => selectBackend(launch({ program: 'app.rb' }), backends)).toThrow('set field "debugger" to one of go, python');
  });
});
