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
import { join } from 'node:path';
import type { BackendContext, BackendSession, DebugBackend } from '../backend.js';
import type { DebuggerProcess } from '../debugger-process.js';
import { isGoBinary, isGoSource } from '../program-kind.js';
import { programPath } from '../program-location.js';
import { startDapDebugger } from '../start-dap-debugger.js';
import { DapError, withTimeout } from '../../common/errors.js';
import { dlvAttachArgs, dlvLaunchArgs, parseDlvListenLine } from './launch-args.js';
import { buildGoProgram } from './go-build.js';
import { attachRemoteGo } from './remote-attach.js';

const LISTEN_TIMEOUT_MS = 20_000;
const INSTALL_HINT = 'go install github.com/go-delve/delve/cmd/dlv@v1.27.2 (needs a Go toolchain), or apt-get install delve';

export const dlvBackend: DebugBackend<'go'> = {
  kind: 'go',
  claims: (config) => { const program = programPath(config); return !!program && (isGoSource(program) || isGoBinary(program)); },
  start,
};

function start(ctx: BackendContext): Promise<BackendSession> {
  const { config, sink } = ctx;
  // With a target and no dlv address: the process runs in the pod (a debugger container attaches).
  if (config.request === 'attach' && ctx.layer.remote && config.host === undefined && config.port === undefined) return attachRemoteGo(ctx, ctx.layer.remote);
  // Checked before anything starts: attaching to a headless dlv is the client's own business.
  if (config.request === 'attach' && !config.processId) {
    return Promise.reject(new DapError('BAD_LAUNCH_FIELD', 'Go attach needs field "processId" (attach to a headless dlv by pointing your client at it directly)'));
  }
  const workDir = mkdtempSync(join(tmpdir(), 'kmirror-dlv-'));
  return startDapDebugger(ctx, {
    name: 'dlv', executables: ['dlv'], what: 'Go debugger "dlv"', install: INSTALL_HINT,
    args: ['dap', '--listen', '127.0.0.1:0'], stdio: ['ignore', 'pipe', 'pipe'], adapterID: 'go',
    connect: async (dlv) => {
      const address = await withTimeout(listenAddress(dlv), LISTEN_TIMEOUT_MS, 'waiting for dlv to listen');
      // dlv lives on after the program exits: its stdout never ends with the program.
      for (const [stream, category] of [[dlv.child.stdout, 'stdout'], [dlv.child.stderr, 'stderr']] as const) {
        if (stream) sink.pipeOutput(stream, category, { endsWithProgram: false });
      }
      const socket = connect(address.port, address.host);
      socket.setNoDelay(true);
      await once(socket, 'connect');
      return { input: socket, output: socket };
    },
    plan: {
      layerArgv: async (p) => [isGoSource(p) ? await buildGoProgram(p, join(workDir, 'debuggee'), ctx) : p, ...(config.args ?? [])],
      attachArgs: (pid) => dlvAttachArgs(config, pid),
      launchArgs: () => dlvLaunchArgs(config, join(workDir, '__debug_bin')),
    },
    cleanup: () => rmSync(workDir, { recursive: true, force: true }),
  });
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
