// openClusterAgent: the one entry the workstation session calls for a Kubernetes target.
// Steps: kube access → parse target → resolve to a running container → place the agent (node Job
// or ephemeral container) → tunnel handshake over a port-forward → a ReconnectingAgentSession
// that follows port-forward drops, agent deaths and pod replacements. close() removes what the
// session created; if the client dies instead, the agent's idle exit and the Job's TTL do.
import { AGENT_DEFAULTS } from './agent-defaults.js';
import { agentUrl, connectOnce, connectWhenReady, type AgentConnection } from './agent-handshake.js';
import { placeAgent, placeTargetlessAgent, type AgentPlacementOptions, type PlacedAgent } from './agent-placement.js';
import { agentContainerState } from './agent-pod-status.js';
import { statusCodeOf } from './errors.js';
import { openKubeAccess, type KubeAccess, type KubeAccessOptions } from './kube-access.js';
import type { PodInformer } from './pod-informer.js';
import { ReconnectingAgentSession, type Reconnector } from './reconnecting-session.js';
import { resolveKubeTarget, type ResolvedKubeTarget } from './resolve-target.js';
import { followTarget } from './target-follower.js';
import { parseKubeTarget, type KubeTargetSpec } from '../targets/kube-target.js';
import { TunnelError, type IncomingConnection, type SubscribeOptions, type Subscription } from '../tunnel/agent-session.js';
import type { ReconnectStatus } from './reconnecting-session.js';

export interface ClusterAgentOptions extends KubeAccessOptions {
  /** pod/NAME, deploy/NAME, ... (see adapter/runtime/targets/kube-target.ts). */
  target: string;
  /** -c NAME. */
  container?: string;
  agent?: Partial<AgentPlacementOptions>;
  /** Give up reconnecting after this long. Default 60 s. */
  reconnectTimeoutMs?: number;
  /** Receives one line per notable step (choice of container, agent placed, reconnects). */
  log?: (level: 'debug' | 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
  signal?: AbortSignal;
}

/** Where the session currently runs, for status displays. */
export interface ClusterAgentInfo {
  readonly context: string;
  readonly namespace: string;
  readonly podName: string;
  readonly container: string;
  readonly nodeName: string;
  readonly placement: PlacedAgent['mode'];
  readonly agentPod: string;
  readonly agentContainer: string;
  readonly url: string;
}

/**
 * An AgentSession bound to a Kubernetes target. Events (besides AgentSession's): 'status'
 * (ReconnectStatus), 'warning' (string), 'target' (ClusterAgentInfo) after a move.
 */
export class ClusterAgentSession extends ReconnectingAgentSession {
  private cleanup: () => Promise<void> = async () => undefined;
  private infoFn: () => ClusterAgentInfo = () => { throw new Error('not initialised'); };

  get info(): ClusterAgentInfo { return this.infoFn(); }
  /** Token of the current agent (contract: the session token authenticates every connection). */
  get token(): string { return this.tokenFn(); }
  private tokenFn: () => string = () => '';
  private placedFn: () => PlacedAgent | undefined = () => undefined;
  private transportFn: () => { destroy(): void } | undefined = () => undefined;

  /**
   * Cuts the current port-forward as a network failure would (the agent stays up); the session
   * then reconnects. For diagnostics and tests of the reconnect path.
   */
  interruptTransport(): void {
    this.transportFn()?.destroy();
  }

  /** @internal set for targetless sessions: the "target" env is the agent's own, minus its secrets. */
  targetless = false;

  override async env(): Promise<Record<string, string>> {
    const env = await super.env();
    return this.targetless ? Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('KMIRROR_'))) : env;
  }

  /** Steal/mirror need the agent's capabilities: say so clearly instead of a kernel error. */
  override async subscribe(opts: SubscribeOptions, onConnection: (conn: IncomingConnection) => void): Promise<Subscription> {
    const placed = this.placedFn();
    if (this.targetless) {
      throw new TunnelError('NOT_SUPPORTED', `${opts.mode} of port ${opts.port}: a targetless session has no incoming traffic; give a target (pod/NAME, deploy/NAME, ...)`);
    }
    if (placed && !placed.trafficCapable) {
      throw new TunnelError('PERMISSION_DENIED', `${opts.mode} of port ${opts.port} needs the agent capabilities BPF, NET_ADMIN and SYS_ADMIN, `
        + `which the ephemeral agent in pod ${placed.podName} runs without (Pod Security of namespace ${placed.namespace}); `
        + 'outgoing traffic, DNS, env and files work. Use the node agent or a namespace that allows these capabilities.');
    }
    return super.subscribe(opts, onConnection);
  }

  /** @internal wiring done by openClusterAgent */
  bind(cleanup: () => Promise<void>, info: () => ClusterAgentInfo, token: () => string,
    placed: () => PlacedAgent, transport: () => { destroy(): void } | undefined): void {
    this.cleanup = cleanup;
    this.infoFn = info;
    this.tokenFn = token;
    this.placedFn = placed;
    this.transportFn = transport;
  }

  override async close(): Promise<void> {
    await super.close();
    await this.cleanup();
  }
}

/** Starts (or reaches) the agent for a Kubernetes target and returns a self-healing session. */
export async function openClusterAgent(opts: ClusterAgentOptions): Promise<ClusterAgentSession> {
  const log = opts.log ?? (() => undefined);
  const access = openKubeAccess(opts);
  if (opts.target === 'targetless') return openTargetless(access, opts, log);
  const spec = parseKubeTarget(opts.target, {
    ...(opts.container !== undefined ? { container: opts.container } : {}),
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
  });
  const placement: AgentPlacementOptions = { ...AGENT_DEFAULTS, ...opts.agent, warn: (m) => log('warn', m) };
  let target = await resolveTarget(access, spec, log);
  let agent = await placeAgent(access, target, placement, opts.signal);
  log('info', `agent ${agent.mode} ${agent.podName} placed for ${target.namespace}/${target.podName}/${target.container.name}`);
  const first = await connectOrRemove(access, agent, placement.startupTimeoutMs, opts.signal);

  let stale: string | undefined;
  let follower: PodInformer | undefined;
  const follow = (t: ResolvedKubeTarget): void => {
    void follower?.stop();
    follower = followTarget(access, t, (reason) => {
      stale = reason;
      log('warn', `${reason}; moving the session`);
      session.forceReconnect(reason);
    });
  };

  const reconnect: Reconnector = async (attempt, reason) => {
    log('debug', `reconnect attempt ${attempt}`, { reason });
    if (stale === undefined && (await agentAlive(access, agent))) {
      const again = await connectOnce(access, agent, 3000);
      transport = again.transport;
      return { session: again.session, note: `same agent ${agent.podName}` };
    }
    const moving = stale !== undefined;
    const next = moving ? await resolveTarget(access, spec, log) : target;
    const old = agent;
    const placed = await placeAgent(access, next, placement, opts.signal);
    let fresh: AgentConnection;
    try {
      fresh = await connectWhenReady(access, placed, { deadline: Date.now() + placement.startupTimeoutMs });
    } catch (err) {
      await placed.remove().catch(() => undefined);
      throw err;
    }
    void old.remove().catch((err: unknown) => log('warn', `removing the old agent ${old.podName} failed: ${(err as Error).message}`));
    agent = placed;
    const note = moving ? `followed ${target.podName} → ${next.podName}, new agent ${placed.podName}` : `new agent ${placed.podName}`;
    if (moving) { target = next; stale = undefined; follow(next); }
    transport = fresh.transport;
    return { session: fresh.session, note };
  };

  let transport = first.transport;
  const session = new ClusterAgentSession(first.session, reconnect, { reconnectTimeoutMs: opts.reconnectTimeoutMs ?? 60_000 });
  session.bind(
    async () => {
      await follower?.stop();
      await agent.remove().catch((err: unknown) => log('warn', `removing agent ${agent.podName} failed: ${(err as Error).message}`));
    },
    () => ({
      context: access.contextName, namespace: target.namespace, podName: target.podName, container: target.container.name,
      nodeName: target.nodeName, placement: agent.mode, agentPod: agent.podName, agentContainer: agent.containerName, url: agentUrl(agent),
    }),
    () => agent.token,
    () => agent,
    () => transport,
  );
  session.on('status', (st: ReconnectStatus) => {
    if (st.type === 'disconnected') log('warn', `lost the agent connection (${st.reason}); reconnecting`);
    if (st.type === 'reconnected') {
      log('warn', `reconnected after ${st.gapMs} ms (${st.note ?? 'same agent'}); ${st.resubscribed} port subscription(s) restored`
        + (st.failedSubscriptions ? `, ${st.failedSubscriptions} lost` : '') + '; connections open during the gap were lost', { gapMs: st.gapMs });
      session.emit('target', session.info);
    }
    if (st.type === 'reconnect-failed') log('warn', `giving up on the agent: ${st.reason}`);
  });
  follow(target);
  return session;
}

/** targetless: a plain agent pod in the namespace, for outgoing traffic and DNS only. */
async function openTargetless(access: KubeAccess, opts: ClusterAgentOptions, log: NonNullable<ClusterAgentOptions['log']>): Promise<ClusterAgentSession> {
  const placement: AgentPlacementOptions = { ...AGENT_DEFAULTS, ...opts.agent, warn: (m) => log('warn', m) };
  const namespace = placement.namespace ?? opts.namespace ?? access.namespace;
  const place = () => placeTargetlessAgent(access, namespace, placement, opts.signal);
  let agent = await place();
  log('info', `targetless agent ${agent.podName} placed in namespace ${namespace}`);
  const first = await connectOrRemove(access, agent, placement.startupTimeoutMs, opts.signal);
  let transport = first.transport;
  const reconnect: Reconnector = async () => {
    if (!(await agentAlive(access, agent))) {
      const old = agent;
      agent = await place();
      void old.remove().catch(() => undefined);
    }
    const c = await connectWhenReady(access, agent, { deadline: Date.now() + placement.startupTimeoutMs });
    transport = c.transport;
    return { session: c.session, note: `agent ${agent.podName}` };
  };
  const session = new ClusterAgentSession(first.session, reconnect, { reconnectTimeoutMs: opts.reconnectTimeoutMs ?? 60_000 });
  session.targetless = true;
  session.bind(
    async () => { await agent.remove().catch((err: unknown) => log('warn', `removing agent ${agent.podName} failed: ${(err as Error).message}`)); },
    () => ({ context: access.contextName, namespace, podName: '', container: '', nodeName: '', placement: agent.mode, agentPod: agent.podName, agentContainer: agent.containerName, url: agentUrl(agent) }),
    () => agent.token, () => agent, () => transport,
  );
  return session;
}

async function resolveTarget(access: KubeAccess, spec: KubeTargetSpec, log: NonNullable<ClusterAgentOptions['log']>): Promise<ResolvedKubeTarget> {
  const target = await resolveKubeTarget(access, spec);
  if (target.container.warning) log('warn', target.container.warning);
  return target;
}

/** True when the agent's container still runs (so a new port-forward can reach the same agent). */
async function agentAlive(access: KubeAccess, agent: PlacedAgent): Promise<boolean> {
  try {
    const pod = await access.core.readNamespacedPod({ name: agent.podName, namespace: agent.namespace });
    return agentContainerState(pod, agent.containerName, agent.mode === 'ephemeral').state === 'running';
  } catch (err) {
    if (statusCodeOf(err) === 404) return false;
    throw err;
  }
}

/** The first connection to a freshly placed agent; the agent is removed when it never answers. */
async function connectOrRemove(access: KubeAccess, agent: PlacedAgent, startupTimeoutMs: number,
  signal: AbortSignal | undefined): Promise<AgentConnection> {
  try {
    return await connectWhenReady(access, agent, { deadline: Date.now() + startupTimeoutMs, ...(signal ? { signal } : {}) });
  } catch (err) {
    await agent.remove().catch(() => undefined);
    throw err;
  }
}
