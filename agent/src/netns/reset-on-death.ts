// A connection the agent holds toward the target (a stolen pod client, a passthrough to the
// original app, an outgoing connection) must never end cleanly while truncated. If the agent dies
// (kill -9, OOM) the kernel closes its sockets, which would send FIN after whatever the agent
// had written so far: the far side could not tell a cut answer from a whole one. SO_LINGER
// {on, 0} makes that close a reset (RST). An orderly end turns it off once the socket's own
// shutdown went out ('finish': every byte is in the kernel), so the close after it sends FIN
// after every byte, even if the agent dies in between.
import type net from 'node:net';
import { loadAgentAddon } from './native.js';

type SetLinger = (fd: number, abortive: boolean) => void;

function setLinger(): SetLinger {
  const fn = loadAgentAddon().setLinger;
  if (typeof fn !== 'function') throw new Error('native addon lacks setLinger: rebuild it (scripts/build.sh)');
  return fn as SetLinger;
}

/** The socket's fd (libuv TCP handles expose it on Unix); undefined once closed. */
function fdOf(socket: net.Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** Makes `socket` reset if it is closed (or the agent dies) before its orderly end went out. */
export function resetOnAgentDeath(socket: net.Socket): void {
  const fd = fdOf(socket);
  if (fd === undefined || socket.destroyed) return;
  const set = setLinger();
  set(fd, true);
  socket.once('finish', () => {
    const now = fdOf(socket);
    try { if (now !== undefined) set(now, false); } catch { /* closed meanwhile: nothing left to end */ }
  });
}
