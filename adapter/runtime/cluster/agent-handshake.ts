// Readiness of an in-cluster agent = a completed tunnel handshake over a fresh port-forward.
// The agent's container may be running before its server listens, so connection refusals are
// retried (with a short pause) until the deadline; a wrong token or version fails at once.
import { hostname } from 'node:os';
import type { SessionIdentity } from '#proto/runtime/handshake.js';
import { connectAgent, isTunnelError, type AgentSession } from '../tunnel/agent-session.js';
import { ClusterError, isClusterError } from './errors.js';
import type { KubeAccess } from './kube-access.js';
import { openPortForward, type PortForwardStream } from './port-forward.js';

/** A connected agent session and the port-forward stream that carries it. */
export interface AgentConnection {
  session: AgentSession;
  transport: PortForwardStream;
}

export interface AgentEndpoint {
  namespace: string;
  podName: string;
  port: number;
  token: string;
}

/** The URL the tunnel client is given for messages (the transport is the port-forward). */
export function agentUrl(ep: AgentEndpoint): string {
  return `ws://${ep.podName}.${ep.namespace}.pod:${ep.port}/kmirror/v1`;
}

const RETRY_PAUSE_MS = 150;
// Handshake failures that retrying cannot fix.
const FATAL_TUNNEL_CODES = new Set(['UNAUTHENTICATED', 'VERSION_MISMATCH', 'PROTOCOL_VIOLATION']);

// When this process started, so that a reconnect shows the session's start, not the reconnect's.
const STARTED_AT_MS = Date.now() - Math.round(process.uptime() * 1000);

/** Who a cluster session is to the other sessions of a shared agent: the kubeconfig user, this host. */
export function kubeIdentity(access: KubeAccess): SessionIdentity {
  return { user: access.kubeConfig.getCurrentUser()?.name ?? 'unknown', host: hostname(), startedAtMs: STARTED_AT_MS, clientPid: process.pid };
}

/** One attempt: port-forward to the agent and run the tunnel handshake. */
export async function connectOnce(access: KubeAccess, ep: AgentEndpoint, timeoutMs: number): Promise<AgentConnection> {
  const socket = await openPortForward(access.kubeConfig, { namespace: ep.namespace, pod: ep.podName, port: ep.port, timeoutMs });
  try {
    const session = await connectAgent({ url: agentUrl(ep), token: ep.token, socket, timeoutMs, clientName: 'kmirror-cluster', identity: kubeIdentity(access) });
    return { session, transport: socket };
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

/** Retries connectOnce until the handshake succeeds or `deadline` (epoch ms) passes. */
export async function connectWhenReady(access: KubeAccess, ep: AgentEndpoint,
  opts: { deadline: number; signal?: AbortSignal; attemptTimeoutMs?: number }): Promise<AgentConnection> {
  let last: unknown;
  while (Date.now() < opts.deadline) {
    if (opts.signal?.aborted) throw new ClusterError('ABORTED', `connecting to agent ${ep.podName}: aborted`);
    const left = opts.deadline - Date.now();
    try {
      return await connectOnce(access, ep, Math.max(500, Math.min(opts.attemptTimeoutMs ?? 3000, left)));
    } catch (err) {
      if (isTunnelError(err) && FATAL_TUNNEL_CODES.has(err.code)) throw err;
      if (isClusterError(err) && (err.code === 'FORBIDDEN' || err.code === 'UNAUTHORIZED' || err.code === 'NOT_FOUND')) throw err;
      last = err;
    }
    await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
  }
  const why = last instanceof Error ? last.message : String(last ?? 'no attempt');
  throw new ClusterError('TIMEOUT', `agent in pod ${ep.podName} (namespace ${ep.namespace}) did not complete the tunnel handshake in time: ${why}`);
}
