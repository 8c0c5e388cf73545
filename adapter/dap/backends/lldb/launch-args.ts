// Pure translation of a kmirror config into lldb-dap/lldb-vscode launch/attach arguments.
import { resolve } from 'node:path';
import { passThroughFields, type BackendLaunchConfig } from '../contract.js';

/** lldb takes the environment as an array of "K=V" strings. */
export function envArray(env: Record<string, string> | undefined): string[] {
  return Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`);
}

export function lldbLaunchArgs(config: BackendLaunchConfig): Record<string, unknown> {
  return {
    program: resolve(config.cwd ?? '.', config.program ?? ''),
    args: config.args ?? [],
    ...(config.cwd ? { cwd: config.cwd } : {}),
    env: envArray(config.env),
    stopOnEntry: config.stopOnEntry ?? false,
    ...(config.console === 'integratedTerminal' || config.console === 'externalTerminal' ? { runInTerminal: true } : {}),
    ...passThroughFields(config),
  };
}

export function lldbAttachArgs(config: BackendLaunchConfig, pid: number): Record<string, unknown> {
  return { pid, ...(config.program ? { program: resolve(config.cwd ?? '.', config.program) } : {}), stopOnEntry: config.stopOnEntry ?? false, ...passThroughFields(config) };
}
