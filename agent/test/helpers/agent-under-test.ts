// Runs the agent's server in this test process (the same composition as agent/src/run.ts, minus
// signal handling and the ready line), so tests can start several and stop them reliably.
import { randomBytes } from 'node:crypto';
import { BASE_CAPABILITIES } from '#proto/runtime/capabilities.js';
import { TunnelError } from '#proto/runtime/errors.js';
import { createJsonLogger } from '../../src/log.js';
import { UnsupportedIncomingTrafficService } from '../../src/incoming/service.js';
import { createNetnsSockets } from '../../src/netns/sockets.js';
import { TargetDns } from '../../src/services/dns.js';
import { resolveLocalTarget } from '../../src/target/resolve.js';
import { startAgentServer, type AgentServer } from '../../src/tunnel/server.js';
import { EbpfTraceService } from '../../src/trace/ebpf-trace-service.js';

export interface AgentUnderTest {
  url: string;
  token: string;
  server: AgentServer;
  logs: string[];
}

/** `trace`: also serve the trace gadgets (announces "trace" when this process can load them). */
export async function startAgentInProcess(target: string, opts: { trace?: boolean } = {}): Promise<AgentUnderTest> {
  const logs: string[] = [];
  const log = createJsonLogger({ minLevel: 'debug', write: (line) => { logs.push(line); } });
  const resolved = resolveLocalTarget(target);
  const sockets = createNetnsSockets(resolved.netnsPath);
  const token = randomBytes(16).toString('hex');
  const trace = new EbpfTraceService(resolved, log, opts.trace ? undefined : new TunnelError('NOT_SUPPORTED', 'trace: not enabled in this test agent'));
  const server = await startAgentServer({
    host: '127.0.0.1', port: 0, token, log, capabilities: [...BASE_CAPABILITIES, ...trace.capabilities],
    services: { target: resolved, sockets, dns: new TargetDns(resolved, sockets), incoming: new UnsupportedIncomingTrafficService(), trace },
  });
  return { url: `ws://127.0.0.1:${server.port}/kmirror/v1`, token, server, logs };
}
