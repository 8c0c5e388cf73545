// Go through `dlv dap` (TCP, one dlv process per session). dlv sends seq 0 on every message and
// does not turn the debuggee's output into DAP output events: it appears on dlv's own stdout, so
// that stream is captured and forwarded. Without a target dlv launches the program itself
// (mode exec, or debug with dlvCwd for sources). With a target the layer must wrap the debuggee
// only, so kmirror-dap starts the (built) program under the layer and dlv attaches to its pid;
// code that runs in the first few hundred ms before the attach is not stopped at.
import { connect } from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { BackendContext, BackendSession, DebugBackend } from '../backend.js';
import { DebuggerProcess } from '../debugger-process.js';
import { requireExecutable } from '../find-executable.js';
import { isGoBinary, isGoSource } from '../program-kind.js';
import { ProxySession } from '../proxy-session.js';
import { planLaunch, type LaunchPlan } from '../launch-plan.js';
import { DapError, withTimeout } from '../../server/errors.js';
import { dlvAttachArgs, dlvLaunchArgs, parseDlvListenLine } from './launch-args.js';
import { buildGoProgram } from './go-build.js';

const LISTEN_TIMEOUT_MS = 20_000;
const INSTALL_HINT = 'go install github.com/go-delve/delve/cmd/dlv@v1.27.2 (needs a Go toolchain), or apt-get install delve';

export const dlvBackend: DebugBackend = {
  kind: 'go',
  claims: (config) => !!config.program && (isGoSource(resolve(config.cwd ?? '.', config.program)) || isGoBinary(resolve(config.cwd ?? '.', config.program))),
  start,
};

async function start(ctx: BackendContext): Promise<BackendSession> {
  const { config, sink } = ctx;
  const dlvPath = requireExecutable([config.debuggerPath ?? 'dlv'], 'Go debugger "dlv"', INSTALL_HINT);
  const workDir = mkdtempSync(join(tmpdir(), 'kmirror-dlv-'));
  const program = config.program ? resolve(config.cwd ?? '.', config.program) : undefined;
  const dlv = await DebuggerProcess.start('dlv', dlvPath, ['dap', '--listen', '127.0.0.1:0'], {
    cwd: config.cwd ?? (program ? dirname(program) : process.cwd()),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let plan: LaunchPlan | undefined;
  const cleanup = () => rmSync(workDir, { recursive: true, force: true });
  try {
    const address = await withTimeout(listenAddress(dlv), LISTEN_TIMEOUT_MS, 'waiting for dlv to listen');
    forwardDlvOutput(dlv, (category, output) => sink.event('output', { category, output }));
    const socket = connect(address.port, address.host);
    socket.setNoDelay(true);
    await once(socket, 'connect');
    if (config.request === 'attach' && !config.processId) throw new DapError('BAD_LAUNCH_FIELD', 'Go attach needs field "processId" (attach to a headless dlv by pointing your client at it directly)');
    plan = await planLaunch(ctx, {
      program,
      layerArgv: async (p) => [isGoSource(p) ? await buildGoProgram(p, join(workDir, 'debuggee'), sink) : p, ...(config.args ?? [])],
      attachArgs: (pid) => dlvAttachArgs(config, pid),
      launchArgs: () => dlvLaunchArgs(config, join(workDir, '__debug_bin')),
    });
    const { launch, owned, onDispose } = plan;
    const session = new ProxySession({ name: 'dlv', ctx, debugger: dlv, input: socket, output: socket, adapterID: 'go', launch, owned, cleanup, onDispose });
    return await session.initialize();
  } catch (e) {
    plan?.onDispose?.(); // a program held at start must not stay stopped
    await Promise.all([dlv.stop(), ...(plan?.owned ?? []).map((p) => p.stop())]);
    cleanup();
    throw e;
  }
}

/** Resolves with dlv's listen address; afterwards dlv's stdout/stderr (the debuggee's output) become output events. */
function listenAddress(dlv: DebuggerProcess): Promise<{ host: string; port: number }> {
  return new Promise((resolvePromise, reject) => {
    let head = '';
    let found = false;
    dlv.child.stdout?.on('data', (d: Buffer) => {
      if (found) return;
      head += d.toString();
      const address = parseDlvListenLine(head);
      if (address) {
        found = true;
        resolvePromise(address);
      }
    });
    void dlv.exited.then(({ code }) => {
      if (!found) reject(new DapError('BACKEND_FAILED', `dlv exited (code ${code}) before listening: ${dlv.stderrTail() || head}`));
    });
  });
}

/** After the listen line, dlv's stdout and stderr carry the debuggee's output. */
export function forwardDlvOutput(dlv: DebuggerProcess, emit: (category: string, text: string) => void): void {
  dlv.child.stdout?.on('data', (d: Buffer) => emit('stdout', d.toString()));
  dlv.child.stderr?.on('data', (d: Buffer) => emit('stderr', d.toString()));
}
