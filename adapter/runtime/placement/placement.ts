// Where and how the agent for a target runs. One strategy per way of running it: a local child
// process (pid/N, netns/NAME), a node Job or an ephemeral container (Kubernetes objects), a plain
// agent pod (targetless). The workstation session only calls open(); placement-for-target.ts is
// the one place that maps a Target to its strategy.
import type { AgentSession } from '../tunnel/agent-session.js';

export type PlacementMode = 'local' | 'node-job' | 'ephemeral' | 'targetless';

/** A connected agent session and the way to end it. */
export interface OpenedAgent {
  readonly session: AgentSession;
  /** pid of the agent process, when it runs on this machine. */
  readonly agentPid?: number;
  /** Closes the session and removes what open() started (process, Job, Secret). */
  close(): Promise<void>;
}

export interface AgentPlacement {
  readonly mode: PlacementMode;
  /** Starts (or places) the agent and connects to it; on failure nothing it started is left behind. */
  open(): Promise<OpenedAgent>;
}
