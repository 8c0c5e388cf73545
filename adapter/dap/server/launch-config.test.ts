import { describe, expect, expectTypeOf, it } from 'vitest';
import { passThroughFields, type LaunchField } from '../backends/contract.js';
import { DEBUGGER_KINDS } from '../backends/registry.js';
import { validateLaunchConfig, type KmirrorLaunchConfig } from './launch-config.js';

describe('launch configuration fields', () => {
  it('lists exactly the fields of the type as the ones kmirror-dap interprets', () => {
    expectTypeOf<keyof KmirrorLaunchConfig>().toEqualTypeOf<LaunchField>();
  });

  it('names the debugger kinds of the registry when "debugger" is unknown', () => {
    expect(() => validateLaunchConfig('launch', { program: 'a.js', debugger: 'ruby' }, DEBUGGER_KINDS))
      .toThrow('invalid launch configuration field "debugger": expected one of go, python, node, lldb, dotnet, got "ruby"');
    expect(validateLaunchConfig('launch', { program: 'a.go', debugger: 'go' }, DEBUGGER_KINDS)).toMatchObject({ request: 'launch', debugger: 'go' });
  });

  it('takes an attach to a process in a target (no pid, no port) and wants localRoot and remoteRoot together', () => {
    expect(validateLaunchConfig('attach', { debugger: 'node', target: 'deploy/web', localRoot: '/src', remoteRoot: '/app' }, DEBUGGER_KINDS))
      .toMatchObject({ request: 'attach', target: 'deploy/web', localRoot: '/src', remoteRoot: '/app' });
    expect(() => validateLaunchConfig('attach', { debugger: 'node' }, DEBUGGER_KINDS)).toThrow(/needs field "processId".*"target"/);
    expect(() => validateLaunchConfig('attach', { debugger: 'node', target: 'deploy/web', remoteRoot: '/app' }, DEBUGGER_KINDS))
      .toThrow('launch configuration field "localRoot" is required with "remoteRoot"');
    expect(() => validateLaunchConfig('attach', { debugger: 'node', target: 'deploy/web', nonBreaking: 'yes' }, DEBUGGER_KINDS))
      .toThrow('invalid launch configuration field "nonBreaking": expected true or false, got "yes"');
  });

  it('takes "followRestarts" on an attach only', () => {
    expect(validateLaunchConfig('attach', { debugger: 'node', target: 'deploy/web', followRestarts: true }, DEBUGGER_KINDS)).toMatchObject({ followRestarts: true });
    expect(() => validateLaunchConfig('attach', { debugger: 'node', target: 'deploy/web', followRestarts: 1 }, DEBUGGER_KINDS))
      .toThrow('invalid launch configuration field "followRestarts": expected true or false, got 1');
    expect(() => validateLaunchConfig('launch', { program: 'a.js', followRestarts: true }, DEBUGGER_KINDS)).toThrow(/"followRestarts" is for "request": "attach"/);
  });

  it('passes only debugger-specific fields through to the debugger', () => {
    const config = { request: 'launch', program: 'x', debugger: 'go', kmirror: {}, __sessionId: 's', buildFlags: '-tags=x', justMyCode: false } as const;
    expect(passThroughFields(config)).toEqual({ buildFlags: '-tags=x', justMyCode: false });
  });

  it('accepts a list of known trace gadgets and names the bad one otherwise', () => {
    expect(validateLaunchConfig('launch', { program: 'a.py', target: 'pid/1', trace: ['dns', 'tcp'], traceOutput: 'event' }, DEBUGGER_KINDS))
      .toMatchObject({ trace: ['dns', 'tcp'], traceOutput: 'event' });
    for (const trace of [['dns', 'syscalls'], [], 'dns', ['tcp', 'tcp']]) {
      expect(() => validateLaunchConfig('launch', { program: 'a.py', trace }, DEBUGGER_KINDS))
        .toThrow('invalid launch configuration field "trace": expected a non-empty list of distinct trace gadgets from tcp, dns, exec, open');
    }
    expect(() => validateLaunchConfig('launch', { program: 'a.py', traceOutput: 'channel' }, DEBUGGER_KINDS)).toThrow('"traceOutput": expected "debugConsole" or "event"');
    expect(passThroughFields({ request: 'launch', trace: ['dns'], traceOutput: 'event' } as KmirrorLaunchConfig)).toEqual({});
  });
});
