import { describe, expect, it } from 'vitest';
import { envArray, lldbAttachArgs, lldbLaunchArgs } from './launch-args.js';
import { debugpyLaunchArgs, layerOnlyEnv } from '../debugpy/launch-args.js';

describe('lldb launch translation', () => {
  it('turns env into K=V strings', () => {
    expect(envArray({ A: '1', B: 'x=y' })).toEqual(['A=1', 'B=x=y']);
    expect(lldbLaunchArgs({ request: 'launch', program: '/bin/app', env: { A: '1' } })).toMatchObject({ program: '/bin/app', env: ['A=1'], stopOnEntry: false });
  });
  it('asks for a terminal when the config wants one', () => {
    expect(lldbLaunchArgs({ request: 'launch', program: '/bin/app', console: 'integratedTerminal' })).toHaveProperty('runInTerminal', true);
  });
  it('attaches by pid', () => {
    expect(lldbAttachArgs({ request: 'launch', program: '/bin/app' }, 7)).toEqual({ pid: 7, program: '/bin/app', stopOnEntry: false });
  });
});

describe('debugpy launch translation', () => {
  it('defaults to the internal console and keeps env as an object', () => {
    expect(debugpyLaunchArgs({ request: 'launch', program: '/a/app.py', env: { A: '1' } }, {})).toMatchObject({ program: '/a/app.py', env: { A: '1' }, console: 'internalConsole' });
  });
  it('puts the layer launcher in front of the interpreter', () => {
    expect(debugpyLaunchArgs({ request: 'launch', program: '/a/app.py' }, { python: ['/l', '/usr/bin/python3'], env: { T: '1' } })).toMatchObject({ python: ['/l', '/usr/bin/python3'], env: { T: '1' } });
  });
  it('keeps only the layer-specific variables for the launcher argv', () => {
    expect(layerOnlyEnv({ PATH: process.env.PATH ?? '', KM_SOCK: '/s', T: '1', L: '2' }, { T: '1' }, { L: '2' })).toEqual({ KM_SOCK: '/s' });
  });
});
