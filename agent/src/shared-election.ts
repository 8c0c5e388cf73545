// One local agent per target (`--shared-key KEY --state-file PATH`, started by the workstation's
// local placement). The election is the bind of an abstract unix socket named after the target
// (`@kmirror-agent/KEY`): the kernel lets exactly one process bind a name, so two sessions that
// start an agent at the same moment still end with one — the loser prints {"event":"taken"} and
// exits, and its session joins the winner. The name is released by the kernel when the agent dies
// however it dies (no stale lock file to clean up after kill -9).
//
// The winner writes the state file (port, token, pid, protocol) with mode 0600 in a directory
// only its user can enter: reading the token is the proof a joining session may use the target
// (same user, or root), on top of the loopback same-user check at accept (--only-same-user).
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';

export interface SharedAgentState {
  pid: number;
  port: number;
  token: string;
  protocol: number;
  target: string;
  startedAtMs: number;
}

/** The abstract socket name of the agent for KEY (Linux: a leading NUL; nothing on disk). */
export function electionName(key: string): string {
  return `\0kmirror-agent/${key}`;
}

/** Binds the election name; resolves with the server (keep it open for the agent's life), or undefined when another agent holds it. */
export async function claimSharedKey(key: string): Promise<net.Server | undefined> {
  const server = net.createServer((socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err)));
    server.listen({ path: electionName(key) }, () => {
      server.unref();
      resolve(server);
    });
  });
}

/** Writes the state file atomically (temp file + rename), readable by this user only. */
export function writeSharedState(path: string, state: SharedAgentState): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

/**
 * Removes the state file if it is still this process's (a successor may have replaced it), and
 * beside it the log the starting session opened for us (X.json → X.log) after a clean run.
 */
export function removeSharedState(path: string): void {
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as SharedAgentState;
    if (state.pid !== process.pid) return;
    unlinkSync(path);
    unlinkSync(path.replace(/\.json$/, '.log'));
  } catch { /* already gone or replaced */ }
}
