// Pure translation of a kmirror config into dlv's DAP launch/attach arguments.
import { dirname, resolve } from 'node:path';
import { passThroughFields, type BackendLaunchConfig } from '../contract.js';
import { isGoSource, isDirectory } from '../program-kind.js';

/** dlv `launch`: mode exec for a binary, mode debug (with dlvCwd, which dlv needs to find go.mod) for sources. */
export function dlvLaunchArgs(config: BackendLaunchConfig, outputBinary: string): Record<string, unknown> {
  const program = resolve(config.cwd ?? '.', config.program ?? '');
  const source = isGoSource(program);
  const packageDir = isDirectory(program) ? program : dirname(program);
  return {
    mode: source ? 'debug' : 'exec',
    program,
    ...(source ? { dlvCwd: packageDir, output: outputBinary } : {}),
    cwd: config.cwd ?? packageDir,
    args: config.args ?? [],
    env: config.env ?? {},
    stopOnEntry: config.stopOnEntry ?? false,
    ...passThroughFields(config),
  };
}

/** dlv `attach` to a process kmirror-dap started itself (under the layer) or a given pid. */
export function dlvAttachArgs(config: BackendLaunchConfig, pid: number): Record<string, unknown> {
  return { mode: 'local', processId: pid, stopOnEntry: config.stopOnEntry ?? false, ...passThroughFields(config) };
}

/** Parses dlv's "DAP server listening at: HOST:PORT" line. */
export function parseDlvListenLine(text: string): { host: string; port: number } | undefined {
  const m = /DAP server listening at:\s*(\S+):(\d+)/.exec(text);
  return m?.[1] && m[2] ? { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) } : undefined;
}
