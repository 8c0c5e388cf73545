// What the three Kubernetes placements share: their context (kube access, agent settings, log)
// and the one way a placement's steps become a session — an AgentKeeper for the agent, a
// ClusterAgentSession over it, the keeper following the target, reconnects logged.
import type { AgentPlacementOptions } from '../cluster/agent-placement.js';
import { ClusterError, isClusterError } from '../cluster/errors.js';
import type { KubeAccess } from '../cluster/kube-access.js';
import type { ReconnectStatus } from '../cluster/reconnecting-session.js';
import { AgentKeeper, type ClusterLog, type ClusterPlacementSteps } from './cluster-agent-keeper.js';
import { ClusterAgentSession } from './cluster-agent-session.js';
import type { AgentPlacement, OpenedAgent, PlacementMode } from './placement.js';

export interface ClusterPlacementContext {
  readonly access: KubeAccess;
  /** Agent settings, with `warn` set to the session's log. */
  readonly agent: AgentPlacementOptions;
  readonly log: ClusterLog;
  readonly signal?: AbortSignal;
  /** Give up reconnecting after this long. */
  readonly reconnectTimeoutMs: number;
}

/** A Kubernetes placement; openSession() gives the cluster session itself (info, token, reconnect control). */
export interface ClusterAgentPlacement extends AgentPlacement {
  openSession(): Promise<ClusterAgentSession>;
}

/** A start that ran out of time names the setting that bounds it (agent.startup_timeout). */
export function withStartupTimeoutHint(err: unknown, startupMs: number): unknown {
  if (!isClusterError(err) || err.code !== 'TIMEOUT' || !err.message.includes(`not done after ${startupMs} ms`)) return err;
  return new ClusterError('TIMEOUT', `${err.message} (agent.startup_timeout is ${startupMs / 1000} s: raise it if the agent needs longer to start)`, { cause: err });
}

/** Builds the placement `mode` from its steps. */
export function clusterPlacement<Site>(mode: Exclude<PlacementMode, 'local'>, ctx: ClusterPlacementContext,
  steps: ClusterPlacementSteps<Site>): ClusterAgentPlacement {
  const openSession = async (): Promise<ClusterAgentSession> => {
    const { log } = ctx;
    const { keeper, first } = await AgentKeeper.start(ctx.access, steps, {
      startupTimeoutMs: ctx.agent.startupTimeoutMs, log, ...(ctx.signal ? { signal: ctx.signal } : {}),
    }).catch((err: unknown) => { throw withStartupTimeoutHint(err, ctx.agent.startupTimeoutMs); });
    const session = new ClusterAgentSession(first.session, keeper, { reconnectTimeoutMs: ctx.reconnectTimeoutMs });
    session.on('status', (st: ReconnectStatus) => {
      if (st.type === 'disconnected') log('warn', `lost the agent connection (${st.reason}); reconnecting`);
      if (st.type === 'reconnected') {
        log('warn', `reconnected after ${st.gapMs} ms (${st.note ?? 'same agent'}); ${st.resubscribed} port subscription(s) restored`
          + (st.failedSubscriptions ? `, ${st.failedSubscriptions} lost` : '') + '; connections open at the drop were lost, and those clients opened to the target during the gap stay with its'
          + ' own app until they close (steal and mirror take new connections only)', { gapMs: st.gapMs });
        session.emit('target', session.info);
      }
      if (st.type === 'reconnect-failed') log('warn', `giving up on the agent: ${st.reason}`);
    });
    keeper.follow((reason) => session.forceReconnect(reason));
    return session;
  };
  return {
    mode,
    openSession,
    async open(): Promise<OpenedAgent> {
      const session = await openSession();
      return { session, close: () => session.close() };
    },
  };
}
