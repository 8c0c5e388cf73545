// Starts a debuggee through the layer (kmirror-dap then attaches the debugger to it), forwarding
// its stdout/stderr to the client as output events.
import { dirname, resolve } from 'node:path';
import type { BackendContext } from './backend.js';
import { DebuggerProcess } from './debugger-process.js';
import { DapError } from '../dap/errors.js';

export async function spawnDebuggeeUnderLayer(ctx: BackendContext, argv: string[], opts: { excludePorts?: number[] } = {}): Promise<DebuggerProcess> {
  const { config, layer, sink } = ctx;
  const wrapped = layer.wrap(argv, { env: config.env ?? {}, excludePorts: opts.excludePorts ?? [] });
  const cwd = config.cwd ?? dirname(resolve(argv[0] ?? '.'));
  let debuggee: DebuggerProcess;
  try {
    debuggee = await DebuggerProcess.start('debuggee', wrapped.command, wrapped.args, { cwd, env: wrapped.env, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new DapError('BACKEND_FAILED', `cannot start the program ${argv[0]} under the kmirror layer: ${(e as Error).message}`, { cause: e });
  }
  debuggee.child.stdout?.on('data', (d: Buffer) => sink.event('output', { category: 'stdout', output: d.toString() }));
  debuggee.child.stderr?.on('data', (d: Buffer) => sink.event('output', { category: 'stderr', output: d.toString() }));
  return debuggee;
}
