// Where the program of a launch configuration is, and where its debugger runs: the same answer for
// every backend.
import { dirname, resolve } from 'node:path';
import type { BackendLaunchConfig } from './contract.js';

/** The program resolved against `cwd`, when the configuration names one. */
export function programPath(config: BackendLaunchConfig): string | undefined {
  return config.program ? resolve(config.cwd ?? '.', config.program) : undefined;
}

/** The debugger's working directory: `cwd`, else the program's directory, else kmirror-dap's own. */
export function debuggerCwd(config: BackendLaunchConfig, program: string | undefined): string {
  return config.cwd ?? (program ? dirname(program) : process.cwd());
}
