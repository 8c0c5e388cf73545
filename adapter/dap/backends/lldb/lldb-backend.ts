// C, C++ and Rust through lldb-dap / lldb-vscode (DAP on stdio). lldb wants `env` as ["K=V"]
// strings (an object is silently dropped by lldb-dap 19) and numbers threads by OS tid; its
// console output lines end in \r\n (pty), normalised here. With a target, kmirror-dap starts the
// program under the layer and lldb attaches to its pid.
import { dirname, resolve } from 'node:path';
import type { BackendContext, BackendSession, DebugBackend } from '../backend.js';
import { DebuggerProcess } from '../debugger-process.js';
import { requireExecutable } from '../find-executable.js';
import { planLaunch, type LaunchPlan } from '../launch-plan.js';
import { isElf } from '../program-kind.js';
import { ProxySession } from '../proxy-session.js';
import { lldbAttachArgs, lldbLaunchArgs } from './launch-args.js';

const CANDIDATES = ['lldb-dap', 'lldb-vscode', ...[20, 19, 18, 17, 16, 15, 14].flatMap((v) => [`lldb-dap-${v}`, `lldb-vscode-${v}`])];
const INSTALL_HINT = 'apt-get install lldb-15 (provides lldb-vscode-15), or a newer lldb package providing lldb-dap; or set "debuggerPath"';

export const lldbBackend: DebugBackend = {
  kind: 'lldb',
  claims: (config) => !!config.program && isElf(resolve(config.cwd ?? '.', config.program)),
  start,
};

async function start(ctx: BackendContext): Promise<BackendSession> {
  const { config } = ctx;
  const lldb = requireExecutable(config.debuggerPath ? [config.debuggerPath] : CANDIDATES, 'LLDB debug adapter (lldb-dap / lldb-vscode)', INSTALL_HINT);
  const program = config.program ? resolve(config.cwd ?? '.', config.program) : undefined;
  const adapter = await DebuggerProcess.start('lldb', lldb, [], { cwd: config.cwd ?? (program ? dirname(program) : process.cwd()) });
  let plan: LaunchPlan | undefined;
  try {
    plan = await planLaunch(ctx, {
      program,
      layerArgv: (p) => [p, ...(config.args ?? [])],
      attachArgs: (pid) => lldbAttachArgs(config, pid),
      launchArgs: () => lldbLaunchArgs(config),
    });
    const { launch, owned, onDispose } = plan;
    // A program held at start (SIGSTOP) makes lldb report that signal as the first stop after
    // configurationDone: swallow it and continue, the user never asked to stop there.
    let heldStopPending = onDispose !== undefined;
    const session: ProxySession = new ProxySession({
      name: 'lldb', ctx, debugger: adapter, input: adapter.child.stdout!, output: adapter.child.stdin!, adapterID: 'lldb', launch, owned, onDispose,
      rewriteEvent: (event, body) => {
        const b = body as { output?: string; reason?: string; threadId?: number } | undefined;
        if (event === 'output' && typeof b?.output === 'string') return { event, body: { ...b, output: b.output.replace(/\r\n/g, '\n') } };
        if (event === 'stopped' && heldStopPending) {
          heldStopPending = false;
          if (b?.reason === 'exception') {
            void session.request('continue', { threadId: b.threadId ?? 0 }).catch((err: unknown) => ctx.log.log('warn', 'backend', `lldb: continue after the start signal: ${(err as Error).message}`));
            return undefined;
          }
        }
        return { event, body };
      },
    });
    return await session.initialize();
  } catch (e) {
    plan?.onDispose?.(); // a program held at start must not stay stopped
    await Promise.all([adapter.stop(), ...(plan?.owned ?? []).map((p) => p.stop())]);
    throw e;
  }
}
