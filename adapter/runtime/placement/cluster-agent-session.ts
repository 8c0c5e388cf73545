// The AgentSession of a Kubernetes placement: a ReconnectingAgentSession whose agent is kept by a
// ClusterAgentKeeper (cluster-agent-keeper.ts), plus what depends on how that agent was placed —
// a targetless agent has no incoming traffic and its env is its own, an ephemeral agent without
// capabilities cannot steal or mirror. Events (besides AgentSession's): 'status'
// (ReconnectStatus), 'warning' (string), 'target' (ClusterAgentInfo) after a move.
import { ReconnectingAgentSession, type ReconnectingOptions, type Reconnector } from '../cluster/reconnecting-session.js';
import type { PlacedAgent } from '../cluster/agent-placement.js';
import type { V1Pod } from '@kubernetes/client-node';
import { describeProbes } from '../cluster/probe-summary.js';
import { statusCodeOf } from '../cluster/errors.js';
import type { DebuggerSpec, StartedDebuggerContainer } from '../cluster/debugger-container.js';
import { TunnelError, type AgentSession, type IncomingConnection, type SubscribeOptions, type Subscription } from '../tunnel/agent-session.js';

/** A target container instance (see ClusterAgentSession.targetIdentity). */
export interface TargetIdentity {
  pod: string;
  uid?: string;
  containerId?: string;
  deleting?: boolean;
  deleted?: boolean;
  container?: string;
  restartCount?: number;
  running?: boolean;
  lastExit?: { exitCode?: number; reason?: string; signal?: number };
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

/** What the session asks of the placement that keeps its agent. */
export interface ClusterAgentKeeper {
  /** The agent the session talks to now (replaced on reconnects). */
  readonly agent: PlacedAgent;
  /** True for a targetless placement. */
  readonly targetless: boolean;
  info(): ClusterAgentInfo;
  readTargetPod(): Promise<V1Pod>;
  /** Places a debugger container beside the target container (remote attach of Go, Python). */
  startDebugger?(spec: DebuggerSpec): Promise<StartedDebuggerContainer>;
  /** Cuts the current port-forward (the agent stays up). */
  interruptTransport(): void;
  readonly reconnect: Reconnector;
  /** Stops following the target and removes (or leaves) the agent; `agentSessionId`: this session's last connection. */
  close(hint?: { agentSessionId?: number }): Promise<void>;
}

export class ClusterAgentSession extends ReconnectingAgentSession {
  constructor(first: AgentSession, private readonly keeper: ClusterAgentKeeper, opts: ReconnectingOptions) {
    super(first, (attempt, reason) => keeper.reconnect(attempt, reason), opts);
  }

  get info(): ClusterAgentInfo { return this.keeper.info(); }
  /** The liveness/readiness settings of the target container (remote attach warns with them). */
  async targetProbes(): Promise<string | undefined> {
    return describeProbes(await this.keeper.readTargetPod(), this.keeper.info().container);
  }
  /**
   * Which container instance the target is now (pod uid, container id), or that its pod is gone:
   * remote attach compares the one at attach with the one when its connection ends.
   */
  async targetIdentity(): Promise<TargetIdentity> {
    const { podName, container } = this.keeper.info();
    try {
      const pod = await this.keeper.readTargetPod();
      const status = pod.status?.containerStatuses?.find((c) => c.name === container);
      // The instance that ended: the current one while it is terminated, else the last one.
      const ended = status?.state?.terminated ?? status?.lastState?.terminated;
      return {
        pod: podName, container, ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}), ...(status?.containerID ? { containerId: status.containerID } : {}),
        deleting: !!pod.metadata?.deletionTimestamp, restartCount: status?.restartCount ?? 0, running: !!status?.state?.running,
        ...(ended ? { lastExit: { exitCode: ended.exitCode, ...(ended.reason ? { reason: ended.reason } : {}), ...(ended.signal ? { signal: ended.signal } : {}) } } : {}),
      };
    } catch (err) {
      if (statusCodeOf(err) === 404) return { pod: podName, deleted: true };
      throw err;
    }
  }

  /** Places a debugger container in the target pod, sharing the target container's PID namespace. */
  async startDebugger(spec: DebuggerSpec): Promise<StartedDebuggerContainer> {
    if (this.keeper.targetless || !this.keeper.startDebugger) throw new TunnelError('NOT_SUPPORTED', 'a targetless session has no process to attach to');
    return this.keeper.startDebugger(spec);
  }
  /** Token of the current agent (it authenticates every tunnel connection). */
  get token(): string { return this.keeper.agent.token; }

  /**
   * Cuts the current port-forward as a network failure would (the agent stays up); the session
   * then reconnects. For diagnostics and tests of the reconnect path.
   */
  interruptTransport(): void {
    this.keeper.interruptTransport();
  }

  /** A targetless "target" env is the agent's own, minus its secrets. */
  override async env(): Promise<Record<string, string>> {
    const env = await super.env();
    return this.keeper.targetless ? Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('KMIRROR_'))) : env;
  }

  /** Steal/mirror need the agent's capabilities: say so clearly instead of a kernel error. */
  override async subscribe(opts: SubscribeOptions, onConnection: (conn: IncomingConnection) => void): Promise<Subscription> {
    const placed = this.keeper.agent;
    if (this.keeper.targetless) {
      throw new TunnelError('NOT_SUPPORTED', `${opts.mode} of port ${opts.port}: a targetless session has no incoming traffic; give a target (pod/NAME, deploy/NAME, ...)`);
    }
    if (!placed.trafficCapable) {
      throw new TunnelError('PERMISSION_DENIED', `${opts.mode} of port ${opts.port} needs the agent capabilities BPF, NET_ADMIN and SYS_ADMIN, `
        + `which the ephemeral agent in pod ${placed.podName} runs without (Pod Security of namespace ${placed.namespace}); `
        + 'outgoing traffic, DNS, env and files work. Use the node agent or a namespace that allows these capabilities.');
    }
    return super.subscribe(opts, onConnection);
  }

  override async close(): Promise<void> {
    const agentSessionId = this.session.sessionId;
    await super.close();
    await this.keeper.close(agentSessionId !== undefined ? { agentSessionId } : {});
  }
}
