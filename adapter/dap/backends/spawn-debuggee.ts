// Starts a debuggee through the layer (kmirror-dap then attaches the debugger to it), forwarding
// its stdout/stderr to the client as output events. The layer launcher stays as the supervisor
// and runs the program as its child: `pid` is the program's own process, the one to attach to.
// So that breakpoints in start-up code are hit, the layer holds the program at its first
// instruction after exec (KMIRROR_LAYER_HOLD_AT_EXEC, layer/src/exec_hold.c); without the layer
// it is stopped with SIGSTOP as soon as it has exec'd (polled). The debugger attaches to the
// stopped process and its own continue after configurationDone resumes it. `resume` (SIGCONT) is only for when no debugger
// took over (a failed start, dispose).
import { dirname, resolve } from 'node:path';
import type { BackendContext } from './backend.js';
import { DebuggerProcess } from './debugger-process.js';
import { findExecutable } from './find-executable.js';
import { findProgramPid, waitUntilHeld } from './find-program-pid.js';
import { DapError } from '../common/errors.js';

export interface StartedDebuggee {
  process: DebuggerProcess;
  pid: number;
  /** Continues the program when no debugger took it over (idempotent). */
  resume(): void;
}

export async function spawnDebuggeeUnderLayer(ctx: BackendContext, argv: string[], opts: { excludePorts?: number[] } = {}): Promise<StartedDebuggee> {
  const { config, layer, sink } = ctx;
  const [first, ...rest] = argv;
  const program = first && (first.includes('/') ? resolve(config.cwd ?? '.', first) : findExecutable([first]));
  if (!program) throw new DapError('BAD_LAUNCH_FIELD', `cannot find the program "${first ?? ''}" to start`);
  const env = { ...(config.env ?? {}), ...(layer.active ? { KMIRROR_LAYER_HOLD_AT_EXEC: '1' } : {}) };
  const wrapped = layer.wrap([program, ...rest], { env, excludePorts: opts.excludePorts ?? [] });
  const cwd = config.cwd ?? dirname(program);
  let debuggee: DebuggerProcess;
  try {
    debuggee = await DebuggerProcess.start('debuggee', wrapped.command, wrapped.args, { cwd, env: wrapped.env, stdio: ['ignore', 'pipe', 'pipe'], owner: ctx.processes });
  } catch (e) {
    throw new DapError('BACKEND_FAILED', `cannot start the program ${program} under the kmirror layer: ${(e as Error).message}`, { cause: e });
  }
  if (debuggee.child.stdout) sink.pipeOutput(debuggee.child.stdout, 'stdout', { endsWithProgram: true });
  if (debuggee.child.stderr) sink.pipeOutput(debuggee.child.stderr, 'stderr', { endsWithProgram: true });
  try {
    const pid = layer.active ? await findProgramPid(debuggee.pid ?? 0, program) : debuggee.pid ?? 0;
    if (layer.active) await waitUntilHeld(pid);
    else process.kill(pid, 'SIGSTOP');
    let resumed = false;
    const resume = (): void => {
      if (resumed) return;
      resumed = true;
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // already gone: nothing to continue
      }
    };
    return { process: debuggee, pid, resume };
  } catch (e) {
    await debuggee.stop();
    throw new DapError('BACKEND_FAILED', `${(e as Error).message}: ${debuggee.stderrTail()}`, { cause: e });
  }
}
