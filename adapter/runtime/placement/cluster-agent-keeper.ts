// Keeps one in-cluster agent for a session, whatever its placement: places it where the placement
// locates the target, makes the first connection (removing an agent that never answers), and on
// every reconnect reaches the same agent while it runs, else places a new one — at a newly
// located site when the placement's follower said the target moved. What differs between node
// job, ephemeral and targetless is a ClusterPlacementSteps object; this file is the rest.
//
// Lifecycle: start() → (follow → reconnect)* → close(). One reconnect at a time (the
// ReconnectingAgentSession serialises them); `agent`, `site` and `transport` change only there.
import { agentUrl, connectOnce, connectWhenReady, type AgentConnection } from '../cluster/agent-handshake.js';
import type { PlacedAgent } from '../cluster/agent-placement.js';
import { agentContainerState } from '../cluster/agent-pod-status.js';
import { statusCodeOf } from '../cluster/errors.js';
import type { KubeAccess } from '../cluster/kube-access.js';
import type { V1Pod } from '@kubernetes/client-node';
import { startDebuggerContainer, type DebuggerSpec, type StartedDebuggerContainer } from '../cluster/debugger-container.js';
import type { Reconnector } from '../cluster/reconnecting-session.js';
import type { ClusterAgentInfo, ClusterAgentKeeper } from './cluster-agent-session.js';

export type ClusterLog = (level: 'debug' | 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;

/** Where the agent serves, as shown in ClusterAgentInfo. */
export interface SiteInfo {
  readonly namespace: string;
  readonly podName: string;
  readonly container: string;
  readonly nodeName: string;
}

/** What one cluster placement decides. `Site` is where its agent serves (a resolved pod, a namespace). */
export interface ClusterPlacementSteps<Site> {
  readonly targetless: boolean;
  /** Finds where the agent must serve now (called again after the target moved). */
  locate(): Promise<Site>;
  /** Creates one agent at `site` and waits until its container runs. */
  place(site: Site): Promise<PlacedAgent>;
  describe(site: Site): SiteInfo;
  /** The log line once the first agent is placed. */
  placedMessage(site: Site, agent: PlacedAgent): string;
  /** Watches `site` and calls onMoved once when it no longer holds; absent when a site never moves. */
  follow?(site: Site, onMoved: (reason: string) => void): { stop(): Promise<void> };
  /** Removes what locate() made for the session (a target copy), after the agent; also when start fails. */
  release?(): Promise<void>;
}

export interface KeeperOptions {
  startupTimeoutMs: number;
  log: ClusterLog;
  signal?: AbortSignal;
}

export class AgentKeeper<Site> implements ClusterAgentKeeper {
  private follower: { stop(): Promise<void> } | undefined;
  /** Why the target no longer holds (set by the follower, cleared by the move). */
  private stale: string | undefined;
  private transport: { destroy(): void } | undefined;
  private moveSession: (reason: string) => void = () => undefined;

  private constructor(private readonly access: KubeAccess, private readonly steps: ClusterPlacementSteps<Site>,
    private readonly opts: KeeperOptions, private site: Site, private current: PlacedAgent) {}

  /** Locates, places and connects the first agent; nothing is left behind when that fails. */
  static async start<Site>(access: KubeAccess, steps: ClusterPlacementSteps<Site>, opts: KeeperOptions): Promise<{ keeper: AgentKeeper<Site>; first: AgentConnection }> {
    let site: Site;
    let agent: PlacedAgent;
    let first: AgentConnection;
    try {
      site = await steps.locate();
      agent = await steps.place(site);
      opts.log('info', steps.placedMessage(site, agent));
      try {
        first = await connectOrRemove(access, agent, isJoined(agent) ? Math.min(JOIN_CONNECT_MS, opts.startupTimeoutMs) : opts.startupTimeoutMs, opts.signal);
      } catch (err) {
        // A shared agent can end (idle exit) between the join and the connection: leaving it
        // (connectOrRemove did) lets the placement find it gone and place a new one, once.
        if (!isJoined(agent)) throw err;
        opts.log('warn', `the shared agent ${agent.podName} did not answer (${(err as Error).message}); placing the agent again`);
        agent = await steps.place(site);
        opts.log('info', steps.placedMessage(site, agent));
        first = await connectOrRemove(access, agent, opts.startupTimeoutMs, opts.signal);
      }
    } catch (err) {
      await steps.release?.().catch((e: unknown) => opts.log('warn', `cleaning up after a failed start: ${(e as Error).message}`));
      throw err;
    }
    const keeper = new AgentKeeper(access, steps, opts, site, agent);
    keeper.transport = first.transport;
    return { keeper, first };
  }

  get agent(): PlacedAgent { return this.current; }
  get targetless(): boolean { return this.steps.targetless; }

  /** Starts following the site; `moveSession` drops the current connection so that reconnect() moves it. */
  follow(moveSession: (reason: string) => void): void {
    this.moveSession = moveSession;
    this.watchSite();
  }

  private watchSite(): void {
    void this.follower?.stop();
    this.follower = this.steps.follow?.(this.site, (reason) => {
      this.stale = reason;
      this.opts.log('warn', `${reason}; moving the session`);
      this.moveSession(reason);
    });
  }

  info(): ClusterAgentInfo {
    const agent = this.agent;
    return { context: this.access.contextName, ...this.steps.describe(this.site), placement: agent.mode, agentPod: agent.podName, agentContainer: agent.containerName, url: agentUrl(agent) };
  }

  interruptTransport(): void {
    this.transport?.destroy();
  }

  /** The pod the session serves now, as the API server has it (its spec: probes, containers). */
  readTargetPod(): Promise<V1Pod> {
    const { namespace, podName } = this.info();
    return this.access.core.readNamespacedPod({ name: podName, namespace });
  }

  /** Places a debugger container beside the target container of the pod served now (remote attach). */
  startDebugger(spec: DebuggerSpec): Promise<StartedDebuggerContainer> {
    const { namespace, podName, container } = this.info();
    return startDebuggerContainer(this.access, { ...spec, namespace, podName, targetContainer: container });
  }

  readonly reconnect: Reconnector = async (attempt, reason) => {
    this.opts.log('debug', `reconnect attempt ${attempt}`, { reason });
    if (this.stale === undefined && (await agentAlive(this.access, this.agent))) {
      const again = await connectOnce(this.access, this.agent, 3000);
      this.transport = again.transport;
      return { session: again.session, note: `same agent ${this.agent.podName}` };
    }
    const moving = this.stale !== undefined;
    const next = moving ? await this.steps.locate() : this.site;
    const old = this.agent;
    const placed = await this.steps.place(next);
    let fresh: AgentConnection;
    try {
      fresh = await connectWhenReady(this.access, placed, { deadline: Date.now() + this.opts.startupTimeoutMs });
    } catch (err) {
      await placed.remove().catch(() => undefined);
      throw err;
    }
    void old.remove().catch((err: unknown) => this.opts.log('warn', `removing the old agent ${old.podName} failed: ${(err as Error).message}`));
    this.current = placed;
    const note = moving ? `followed ${this.steps.describe(this.site).podName} → ${this.steps.describe(next).podName}, new agent ${placed.podName}` : `new agent ${placed.podName}`;
    this.transport = fresh.transport;
    if (moving) {
      this.site = next;
      this.stale = undefined;
      this.watchSite();
    }
    return { session: fresh.session, note };
  };

  async close(hint: { agentSessionId?: number } = {}): Promise<void> {
    await this.follower?.stop();
    await this.agent.remove(hint).catch((err: unknown) => this.opts.log('warn', `removing agent ${this.agent.podName} failed: ${(err as Error).message}`));
    await this.steps.release?.().catch((err: unknown) => this.opts.log('warn', `cleaning up the session's objects failed: ${(err as Error).message}`));
  }
}

// A joined agent already runs: its handshake is quick, or the agent is ending.
const JOIN_CONNECT_MS = 10_000;

/** True for an agent this session joined (shared-node-agent.ts) rather than placed. */
function isJoined(agent: PlacedAgent): boolean {
  return (agent as { joined?: boolean }).joined === true;
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
