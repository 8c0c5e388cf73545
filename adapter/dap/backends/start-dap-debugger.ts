// Starts a debugger that speaks DAP itself and attaches or launches through it (dlv, lldb,
// netcoredbg). The steps, the same for each; a backend supplies only what differs (a recipe):
//   find the debugger → start it → connect to its DAP streams → plan the launch (with a layer:
//   spawn the debuggee under it, held at exec, and attach to its pid) → initialize a ProxySession.
// On any failure every step taken is undone, in reverse: a held debuggee is continued, the
// debuggee and the debugger are stopped, and the recipe's own cleanup runs (temp files).
import type { SpawnOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { BackendContext, BackendSession } from './backend.js';
import { DebuggerProcess } from './debugger-process.js';
import { requireExecutable } from './find-executable.js';
import { planLaunch, type LaunchChoice, type LaunchPlan } from './launch-plan.js';
import { debuggerCwd, programPath } from './program-location.js';
import { ProxySession, type ProxySessionOptions } from './proxy-session.js';

export interface DapDebuggerRecipe {
  /** Short name for logs and messages ("dlv"). */
  name: string;
  /** Executables to look for on PATH, in order; `debuggerPath` replaces them. */
  executables: readonly string[];
  /** What is missing and how to install it, for the DEBUGGER_NOT_FOUND message. */
  what: string;
  install: string;
  args: readonly string[];
  stdio?: SpawnOptions['stdio'];
  /** `adapterID` of the initialize request sent to the debugger. */
  adapterID: string;
  /** The debugger's DAP streams; default: its stdout and stdin. */
  connect?(debuggerProcess: DebuggerProcess): Promise<{ input: Readable; output: Writable }>;
  /** How the program is started under the layer, attached to, or launched by the debugger. */
  plan: Omit<LaunchChoice, 'program'>;
  /** Event rewriting; `heldAtStart` is true when kmirror-dap started the program held at exec. */
  rewriteEvent?(held: { heldAtStart: boolean; request: BackendSession['request'] }): ProxySessionOptions['rewriteEvent'];
  /** Runs after the processes are stopped, on dispose and on a failed start (temp files). */
  cleanup?(): void;
}

/** Runs the recipe's steps; nothing is left running or held when it throws. */
export async function startDapDebugger(ctx: BackendContext, recipe: DapDebuggerRecipe): Promise<BackendSession> {
  const { config } = ctx;
  let debuggerProcess: DebuggerProcess | undefined;
  let plan: LaunchPlan | undefined;
  try {
    const executable = requireExecutable(config.debuggerPath ? [config.debuggerPath] : recipe.executables, recipe.what, recipe.install);
    const program = programPath(config);
    debuggerProcess = await DebuggerProcess.start(recipe.name, executable, [...recipe.args], {
      cwd: debuggerCwd(config, program), ...(recipe.stdio ? { stdio: recipe.stdio } : {}), owner: ctx.processes,
    });
    const streams = recipe.connect ? await recipe.connect(debuggerProcess) : stdioStreams(debuggerProcess);
    plan = await planLaunch(ctx, { program, ...recipe.plan });
    const { launch, owned, onDispose } = plan;
    let session: ProxySession | undefined;
    // `session!`: the rewriter runs on the session's own events, so the session exists by then.
    const rewriteEvent = recipe.rewriteEvent?.({ heldAtStart: onDispose !== undefined, request: (command, args) => session!.request(command, args) });
    session = new ProxySession({
      name: recipe.name, ctx, debugger: debuggerProcess, ...streams, adapterID: recipe.adapterID, launch, owned,
      ...(onDispose ? { onDispose } : {}), ...(rewriteEvent ? { rewriteEvent } : {}), ...(recipe.cleanup ? { cleanup: recipe.cleanup } : {}),
    });
    return await session.initialize();
  } catch (e) {
    plan?.onDispose?.(); // a program held at start must not stay stopped
    await Promise.all([debuggerProcess?.stop(), ...(plan?.owned ?? []).map((p) => p.stop())]);
    recipe.cleanup?.();
    throw e;
  }
}

/** The debugger's stdio; `!`: it is spawned with piped stdio unless the recipe brings `connect`. */
function stdioStreams({ child }: DebuggerProcess): { input: Readable; output: Writable } {
  return { input: child.stdout!, output: child.stdin! };
}
