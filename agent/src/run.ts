// The agent's composition root: parse arguments, resolve the target, build the services, start
// the server and print the ready line (`{"event":"ready","port":…}`, read by startLocalAgent).
// Entry of dist/kmirror-agent.js, which `kmirror agent` runs as a child process.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { isTunnelError } from '#proto/runtime/errors.js';
import { BASE_CAPABILITIES } from '#proto/runtime/capabilities.js';
import { PROTOCOL_VERSION } from '#proto/runtime/handshake.js';
import { createIncomingTrafficService } from './incoming/create.js';
import { createJsonLogger, type LogLevel } from './log.js';
import { createNetnsSockets } from './netns/sockets.js';
import { TargetDns } from './services/dns.js';
import { resolveLocalTarget } from './target/resolve.js';
import { parseIdleExitSeconds, startIdleExit } from './idle-exit.js';
import { startAgentServer, type AgentServer } from './tunnel/server.js';

export const AGENT_USAGE = `usage: kmirror agent --target pid/N|netns/NAME|container-id/ID [--listen HOST:PORT] [--log-level debug|info|warn|error] [--idle-exit SECONDS] [--only-same-user]
  --only-same-user: serve only connections whose peer process belongs to this user (local agents; a token alone
  does not keep other local users out of a loopback port).
  The session token is read from KMIRROR_AGENT_TOKEN (generated and printed in the ready line when unset).`;

function parseListen(value: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(value);
  if (!m || Number(m[2]) > 65535) throw new Error(`bad --listen "${value}": expected HOST:PORT, e.g. 127.0.0.1:0`);
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}

/** Runs the agent until SIGINT/SIGTERM; returns the server (tests stop it with close()). */
export async function runAgent(argv: string[], io: { stdout?: (line: string) => void } = {}): Promise<AgentServer> {
  const { values } = parseArgs({
    args: argv,
    options: { target: { type: 'string' }, listen: { type: 'string', default: '127.0.0.1:0' }, 'log-level': { type: 'string', default: 'info' }, 'idle-exit': { type: 'string' }, 'only-same-user': { type: 'boolean' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) {
    (io.stdout ?? console.log)(AGENT_USAGE);
    process.exit(0);
  }
  if (!values.target) throw new Error(`--target is required\n${AGENT_USAGE}`);
  const level = values['log-level'] as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new Error(`bad --log-level "${level}"`);
  const log = createJsonLogger({ minLevel: level });
  const listen = parseListen(values.listen);
  const target = resolveLocalTarget(values.target);
  // Spare sockets: outgoing connects skip the helper thread (agent/src/netns/spare-sockets.ts).
  const sockets = createNetnsSockets(target.netnsPath, { spareSockets: 4 });
  const incoming = await createIncomingTrafficService({ target, log, sockets });
  const envToken = process.env.KMIRROR_AGENT_TOKEN;
  const token = envToken || randomBytes(24).toString('base64url');
  const server = await startAgentServer({
    host: listen.host, port: listen.port, token, log, onlySameUser: values['only-same-user'] === true,
    services: { target, sockets, dns: new TargetDns(target, sockets), incoming },
    capabilities: [...BASE_CAPABILITIES, ...incoming.capabilities],
  });
  const ready: Record<string, unknown> = { event: 'ready', port: server.port, ...(envToken ? {} : { token }), protocol: PROTOCOL_VERSION };
  (io.stdout ?? ((l: string) => process.stdout.write(l + '\n')))(JSON.stringify(ready));
  log.info('agent', 'ready', { target: target.spec, netns: target.netnsPath, root: target.rootPath, port: server.port, tokenFrom: envToken ? 'env' : 'generated' });

  // `kmirror agent` forwards the signals it gets, so a terminal's Ctrl-C may arrive twice: one shutdown.
  let shuttingDown = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info('agent', 'shutting down', { signal });
    await incoming.close().catch(() => undefined);
    await server.close();
    sockets.close();
    process.exit(0);
  };
  // In-cluster agents (--idle-exit SECONDS): end when no client has been connected that long.
  if (values['idle-exit'] !== undefined) {
    const graceMs = parseIdleExitSeconds(values['idle-exit']) * 1000;
    startIdleExit({ clientCount: () => server.clientCount, graceMs, onIdle: (idleMs) => { log.info('agent', 'no client connected, exiting', { idleMs }); void shutdown('idle'); } });
  }
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  return server;
}

/** Prints a failure as one JSON line on stderr and a short message, exit code 2. */
export function reportFatal(err: unknown): never {
  const message = (err as Error)?.message ?? String(err);
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'error', tag: 'agent', msg: 'agent failed', code: isTunnelError(err) ? err.code : undefined, err: message }) + '\n');
  process.exit(2);
}
