// Pure translation of a kmirror config into netcoredbg's (vsdbg-style) launch/attach arguments.
import { resolve } from 'node:path';
import { passThroughFields, type BackendLaunchConfig } from '../contract.js';

export function netcoredbgLaunchArgs(config: BackendLaunchConfig): Record<string, unknown> {
  return {
    type: 'coreclr',
    program: resolve(config.cwd ?? '.', config.program ?? ''),
    args: config.args ?? [],
    ...(config.cwd ? { cwd: config.cwd } : {}),
    env: config.env ?? {},
    stopAtEntry: config.stopOnEntry ?? false,
    justMyCode: true,
    ...passThroughFields(config),
  };
}

export function netcoredbgAttachArgs(config: BackendLaunchConfig, pid: number): Record<string, unknown> {
  return { type: 'coreclr', processId: pid, justMyCode: true, ...passThroughFields(config) };
}
