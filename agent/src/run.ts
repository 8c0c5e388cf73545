// The agent's composition root: parse arguments, resolve the target, build the services, start
// the server and print the ready line (`{"event":"ready","port":…}`, read by startLocalAgent).
// Entry of dist/kmirror-agent.js, which `kmirror agent` runs as a child process.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { isTunnelError } from '#proto/runtime/errors.js';
import { BASE_CAPABILITIES } from '#proto/runtime/capabilities.js';
import { PROTOCOL_VERSION } from '#proto/runtime/handshake.js';
import { tunnelBytesMoved } from '#proto/runtime/connection.js';
import { createIncomingTrafficService } from './incoming/create.js';
import { createJsonLogger, type LogLevel } from './log.js';
import { createNetnsSockets } from './netns/sockets.js';
import { TargetDns } from './services/dns.js';
import { resolveLocalTarget } from './target/resolve.js';
import { EbpfTraceService } from './trace/ebpf-trace-service.js';
import { parseIdleExitSeconds, startIdleExit } from './idle-exit.js';
import { fullGc, startMemoryRelease } from './memory-release.js';
import { loadAgentAddon } from './netns/native.js';
import { claimSharedKey, removeSharedState, writeSharedState } from './shared-election.js';
import { startAgentServer, type AgentServer } from './tunnel/server.js';

export const AGENT_USAGE = `usage: kmirror agent --target pid/N|netns/NAME|container-id/ID [--listen HOST:PORT] [--log-level debug|info|warn|error] [--idle-exit SECONDS [--idle-exit-after-last SECONDS]] [--only-same-user] [--shared-key KEY --state-file PATH]
  --only-same-user: serve only connections whose peer process belongs to this user (local agents; a token alone
  does not keep other local users out of a loopback port).
  --shared-key KEY --state-file PATH: one agent per target on this machine: exits with {"event":"taken"} when another
  agent holds KEY, else writes PATH (port, token; mode 0600) for sessions that join it. Use with --idle-exit.
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
    options: { target: { type: 'string' }, listen: { type: 'string', default: '127.0.0.1:0' }, 'log-level': { type: 'string', default: 'info' }, 'idle-exit': { type: 'string' }, 'idle-exit-after-last': { type: 'string' }, 'only-same-user': { type: 'boolean' }, 'shared-key': { type: 'string' }, 'state-file': { type: 'string' }, help: { type: 'boolean' } },
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
  const write = io.stdout ?? ((l: string) => process.stdout.write(l + '\n'));
  // A shared local agent: only the winner of the election goes on (shared-election.ts).
  const sharedKey = values['shared-key'];
  const stateFile = values['state-file'];
  if ((sharedKey === undefined) !== (stateFile === undefined)) throw new Error('--shared-key and --state-file go together');
  const election = sharedKey ? await claimSharedKey(sharedKey) : undefined;
  if (sharedKey && !election) {
    write(JSON.stringify({ event: 'taken', key: sharedKey }));
    process.exit(0);
  }
  // Spare sockets: outgoing connects skip the helper thread (agent/src/netns/spare-sockets.ts).
  const sockets = createNetnsSockets(target.netnsPath, { spareSockets: 4 });
  await sockets.ready(); // before "listening": an idle agent then always holds the same descriptors
  const incoming = await createIncomingTrafficService({ target, log, sockets });
  const trace = new EbpfTraceService(target, log);
  const envToken = process.env.KMIRROR_AGENT_TOKEN;
  const token = envToken || randomBytes(24).toString('base64url');
  const server = await startAgentServer({
    host: listen.host, port: listen.port, token, log, onlySameUser: values['only-same-user'] === true,
    services: { target, sockets, dns: new TargetDns(target, sockets), incoming, trace },
    capabilities: [...BASE_CAPABILITIES, ...incoming.capabilities, ...trace.capabilities],
  });
  if (stateFile) writeSharedState(stateFile, { pid: process.pid, port: server.port, token, protocol: PROTOCOL_VERSION, target: target.spec, startedAtMs: Date.now() });
  const ready: Record<string, unknown> = { event: 'ready', port: server.port, ...(envToken ? {} : { token }), protocol: PROTOCOL_VERSION };
  write(JSON.stringify(ready));
  log.info('agent', 'ready', { target: target.spec, netns: target.netnsPath, root: target.rootPath, port: server.port, tokenFrom: envToken ? 'env' : 'generated' });

  // `kmirror agent` forwards the signals it gets, so a terminal's Ctrl-C may arrive twice: one shutdown.
  let shuttingDown = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info('agent', 'shutting down', { signal });
    if (stateFile) removeSharedState(stateFile);
    await trace.close().catch(() => undefined);
    await incoming.close().catch(() => undefined);
    await server.close();
    election?.close();
    sockets.close();
    process.exit(0);
  };
  // In-cluster and shared local agents (--idle-exit SECONDS): end when no client has been connected
  // that long (--idle-exit-after-last: how long once the last session has left).
  if (values['idle-exit'] !== undefined) {
    const graceMs = parseIdleExitSeconds(values['idle-exit']) * 1000;
    const afterLast = values['idle-exit-after-last'];
    const afterLastClientMs = afterLast === undefined ? graceMs : parseIdleExitSeconds(afterLast) * 1000;
    startIdleExit({ clientCount: () => server.clientCount, clientsSeen: () => server.clientsSeen, graceMs, afterLastClientMs, onIdle: (idleMs) => { log.info('agent', 'no client connected, exiting', { idleMs }); void shutdown('idle'); } });
  }
  // After bulk traffic, memory goes back to the OS once the tunnels are quiet (memory-release.ts).
  const { trimHeap } = loadAgentAddon() as { trimHeap?: () => boolean };
  if (trimHeap) {
    startMemoryRelease({
      bytesMoved: tunnelBytesMoved, collect: fullGc(), trim: trimHeap,
      onRelease: (moved) => log.debug('agent', 'memory released after traffic', { movedMB: Math.round(moved / 1048576), rssMB: Math.round(process.memoryUsage.rss() / 1048576) }),
    });
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
