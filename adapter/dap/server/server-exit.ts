// When a `--port`/`--socket` server started for one editor ends on its own. An editor that spawns
// `kmirror-dap --port N` may never stop it (nvim-dap 0.6 does not), so the server can be told to
// follow its starter:
//   - exitWithParent: the process that started kmirror-dap is gone (our parent pid changed: we were
//     re-parented to init or a subreaper) → end as on SIGHUP, every session stops its processes.
//   - idleExitMs: no client connection for that long (from start, or since the last one closed)
//     → close the server and exit 0.
// Both are off unless asked for, so a server a user runs for several editors never ends by surprise.
import type { Server, Socket } from 'node:net';
import type { DapLogger } from './log.js';

const PARENT_POLL_MS = 500;

export interface ServerExitOptions {
  log: DapLogger;
  exitWithParent?: boolean;
  /** Idle time after which the server exits; undefined: never. */
  idleExitMs?: number;
}

/** Arms the exit conditions on a listening server; call once, from main. */
export function endWhenUnused(server: Server, opts: ServerExitOptions): void {
  if (opts.exitWithParent) watchParent(opts.log);
  if (opts.idleExitMs !== undefined) exitWhenIdle(server, opts.idleExitMs, opts.log);
}

function watchParent(log: DapLogger): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    log.log('info', 'server', `parent process ${parent} is gone: ending every session`);
    // The same path as a hangup: sessions stop their processes, then kmirror-dap ends.
    process.kill(process.pid, 'SIGHUP');
  }, PARENT_POLL_MS);
  timer.unref();
}

function exitWhenIdle(server: Server, idleMs: number, log: DapLogger): void {
  const open = new Set<Socket>();
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    timer = setTimeout(() => {
      log.log('info', 'server', `no client for ${idleMs / 1000} s: exiting (--idle-exit)`);
      server.close();
      process.exit(0);
    }, idleMs);
  };
  server.on('connection', (socket: Socket) => {
    clearTimeout(timer);
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      if (open.size === 0) arm();
    });
  });
  arm();
}
