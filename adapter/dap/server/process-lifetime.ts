// How kmirror-dap ends, and how everything it started ends with it. A clean disconnect or the end
// of a client's stream already stops a session's processes (session.ts). This module covers the
// rest:
//   - SIGTERM, SIGINT, SIGHUP: close every client connection, so each session takes its "client
//     gone" path (debugger disconnect, processes stopped, target layer and local agent closed);
//     wait until no owned process is left (bounded), SIGKILL the process groups still there, then
//     end by the same signal so the parent sees how kmirror-dap ended. A second signal skips the wait.
//   - SIGKILL, a crash, an abort: the runtime's process ownership (owned-processes.ts) and its
//     kmirror-reaper end what is left.
// Backends spawn through `OWNED_SPAWN_OPTIONS` + `ownProcess`, re-exported here: the session hands
// them over in BackendContext.processes, so backends import neither the server nor the runtime.
import type { Server, Socket } from 'node:net';
import { killAll, onOwnedProcessProblem, whenNoneLeft } from '#runtime/process/owned-processes.js';
import type { DapLogger } from './log.js';

export { OWNED_SPAWN_OPTIONS, ownProcess } from '#runtime/process/owned-processes.js';

/** How long sessions get to stop their processes after a termination signal. */
export const SHUTDOWN_GRACE_MS = 5_000;
const TERMINATION_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export interface ProcessLifetimeOptions {
  log: DapLogger;
  /** Ends every client connection (stdin, TCP sockets, the listening server). */
  closeClients(): void;
  graceMs?: number;
}

/** Installs the termination-signal handlers; call once, from main. */
export function endWithProcess(opts: ProcessLifetimeOptions): void {
  onOwnedProcessProblem((message) => opts.log.log('warn', 'server', message));
  let stopping = false;
  for (const signal of TERMINATION_SIGNALS) {
    process.on(signal, () => {
      if (stopping) {
        killAll('SIGKILL');
        exitBySignal(signal);
        return;
      }
      stopping = true;
      opts.log.log('info', 'server', `${signal}: ending every session`);
      opts.closeClients();
      void whenNoneLeft(opts.graceMs ?? SHUTDOWN_GRACE_MS).then((clean) => {
        if (!clean) {
          opts.log.log('warn', 'server', `processes still running after ${opts.graceMs ?? SHUTDOWN_GRACE_MS} ms: killed`);
          killAll('SIGKILL');
        }
        exitBySignal(signal);
      });
    });
  }
}

/** Closes the listening server and every client connection it accepted (for `closeClients`). */
export function clientCloser(server: Server): () => void {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return () => {
    server.close();
    for (const socket of sockets) socket.destroy();
  };
}

/** Ends this process by `signal` with the default action, as if no handler had been installed. */
function exitBySignal(signal: NodeJS.Signals): void {
  for (const s of TERMINATION_SIGNALS) process.removeAllListeners(s);
  process.kill(process.pid, signal);
}
