// Unix stream sockets of the target: which paths are the target's (mirrord's
// outgoing.unix_streams regexes, or a path the user's fs lists make remote), and the relay. The
// agent connects inside the target first (a refusal is the program's own connect error), then a
// one-shot Unix listener in the proxy's private directory (0700) is joined to that connection;
// the layer connects a duplicate of the program's socket to it.
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { AgentSession, TunnelSocket } from '../tunnel/agent-session.js';
import { matchRule, type PathRule } from './path-rules.js';

const ACCEPT_DEADLINE_MS = 10_000;

/** True when `path` is a Unix socket of the target under these settings. */
export function unixPathRemote(path: string, unixStreams: string[], rules: PathRule[]): boolean {
  if (unixStreams.some((p) => { try { return new RegExp(p).test(path); } catch { return false; } })) return true;
  const rule = matchRule(rules, path);
  return !!rule && rule.explicit && rule.action === 'remote';
}

function join2(local: Socket, remote: TunnelSocket): void {
  local.pipe(remote);
  remote.pipe(local);
  local.on('error', () => remote.resetAndDestroy());
  remote.on('error', () => local.resetAndDestroy());
  local.on('close', () => { if (!remote.destroyed) remote.destroy(); });
  remote.on('close', () => { if (!local.destroyed) local.end(); });
}

let serial = 0;

/** Connects `path` in the target and returns the local socket path the layer should connect to. */
export async function relayUnix(agent: AgentSession, path: string, dir: string): Promise<string> {
  if (!agent.connectUnix) throw Object.assign(new Error('this agent session cannot connect Unix sockets'), { code: 'NOT_SUPPORTED' });
  const remote = await agent.connectUnix(path, { allowHalfOpen: true });
  const listenPath = join(dir, `u${++serial}.sock`);
  const server = createServer({ allowHalfOpen: true });
  const timer = setTimeout(() => { server.close(); remote.destroy(); }, ACCEPT_DEADLINE_MS);
  server.once('connection', (local) => {
    clearTimeout(timer);
    server.close();
    join2(local, remote);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPath, () => resolve());
  });
  return listenPath;
}
