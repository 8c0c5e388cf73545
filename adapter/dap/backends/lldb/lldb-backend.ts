// C, C++ and Rust through lldb-dap / lldb-vscode (DAP on stdio). lldb wants `env` as ["K=V"]
// strings (an object is silently dropped by lldb-dap 19) and numbers threads by OS tid; its
// console output lines end in \r\n (pty), normalised here. With a target, kmirror-dap starts the
// program under the layer and lldb attaches to its pid.
import type { BackendContext, BackendSession, DebugBackend } from '../backend.js';
import { isElf } from '../program-kind.js';
import { programPath } from '../program-location.js';
import type { ProxySessionOptions } from '../proxy-session.js';
import { startDapDebugger } from '../start-dap-debugger.js';
import { lldbAttachArgs, lldbLaunchArgs } from './launch-args.js';

const CANDIDATES = ['lldb-dap', 'lldb-vscode', ...[20, 19, 18, 17, 16, 15, 14].flatMap((v) => [`lldb-dap-${v}`, `lldb-vscode-${v}`])];
const INSTALL_HINT = 'apt-get install lldb-15 (provides lldb-vscode-15), or a newer lldb package providing lldb-dap; or set "debuggerPath"';

export const lldbBackend: DebugBackend<'lldb'> = {
  kind: 'lldb',
  claims: (config) => { const program = programPath(config); return !!program && isElf(program); },
  start,
};

function start(ctx: BackendContext): Promise<BackendSession> {
  const { config } = ctx;
  return startDapDebugger(ctx, {
    name: 'lldb', executables: CANDIDATES, what: 'LLDB debug adapter (lldb-dap / lldb-vscode)', install: INSTALL_HINT,
    args: [], adapterID: 'lldb',
    plan: {
      layerArgv: (p) => [p, ...(config.args ?? [])],
      attachArgs: (pid) => lldbAttachArgs(config, pid),
      launchArgs: () => lldbLaunchArgs(config),
    },
    rewriteEvent: ({ heldAtStart, request }) => lldbEventRewriter(heldAtStart, (threadId) => request('continue', { threadId }).catch((err: unknown) => {
      ctx.log.log('warn', 'backend', `lldb: continue after the start signal: ${(err as Error).message}`);
    })),
  });
}

/**
 * Normalises lldb's \r\n output. A program held at start (SIGSTOP) makes lldb report that signal
 * as the first stop after configurationDone: swallow it and continue, the user never asked to stop there.
 */
function lldbEventRewriter(heldAtStart: boolean, continueThread: (threadId: number) => void): ProxySessionOptions['rewriteEvent'] {
  let heldStopPending = heldAtStart;
  return (event, body) => {
    const b = body as { output?: string; reason?: string; threadId?: number } | undefined;
    if (event === 'output' && typeof b?.output === 'string') return { event, body: { ...b, output: b.output.replace(/\r\n/g, '\n') } };
    if (event === 'stopped' && heldStopPending) {
      heldStopPending = false;
      if (b?.reason === 'exception') {
        continueThread(b.threadId ?? 0);
        return undefined;
      }
    }
    return { event, body };
  };
}
