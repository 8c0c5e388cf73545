// How a DAP-speaking debugger (dlv, lldb, netcoredbg) gets its program, the same choice for each:
// attach to the pid the client gave; with an active layer, start the program under the layer
// (held at start, see spawn-debuggee.ts) and attach to it; otherwise let the debugger launch it.
import type { BackendContext } from './backend.js';
import type { DebuggerProcess } from './debugger-process.js';
import type { ProxySessionOptions } from './proxy-session.js';
import { spawnDebuggeeUnderLayer } from './spawn-debuggee.js';

export interface LaunchPlan {
  launch: ProxySessionOptions['launch'];
  /** The debuggee kmirror-dap started itself (for the session to stop on dispose). */
  owned: DebuggerProcess[];
  /** Continues that debuggee if no debugger took it over (see ProxySessionOptions.onDispose). */
  onDispose?: () => void;
}

export interface LaunchChoice {
  /** The program resolved against cwd, when the configuration names one. */
  program: string | undefined;
  /** The command line to start under the layer (may build the program first). */
  layerArgv: (program: string) => string[] | Promise<string[]>;
  attachArgs: (pid: number) => Record<string, unknown>;
  launchArgs: () => Record<string, unknown>;
}

/** Nothing is left to clean up when it throws: a started debuggee is only returned, never dropped. */
export async function planLaunch(ctx: BackendContext, choice: LaunchChoice): Promise<LaunchPlan> {
  const { config } = ctx;
  if (config.request === 'attach') return { launch: { command: 'attach', args: choice.attachArgs(config.processId ?? 0) }, owned: [] };
  if (ctx.layer.active && choice.program) {
    const debuggee = await spawnDebuggeeUnderLayer(ctx, await choice.layerArgv(choice.program));
    return { launch: { command: 'attach', args: choice.attachArgs(debuggee.pid) }, owned: [debuggee.process], onDispose: debuggee.resume };
  }
  return { launch: { command: 'launch', args: choice.launchArgs() }, owned: [] };
}
