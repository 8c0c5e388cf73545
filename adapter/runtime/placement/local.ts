// Local placement (pid/N, netns/NAME): the agent runs on this machine, one per target, shared by
// every session on it (local-shared-agent.ts): open() joins the running agent or starts it. close()
// ends this session; the agent ends itself once its last session has left, and when this was the
// last one, close() waits (bounded) until it has, so nothing of the session is left running.
import type { NetnsTarget, PidTarget } from '#proto/runtime/target.js';
import { openSharedLocalAgent, waitPidGone } from './local-shared-agent.js';
import type { AgentPlacement, OpenedAgent } from './placement.js';

export class LocalPlacement implements AgentPlacement {
  readonly mode = 'local' as const;

  constructor(private readonly target: PidTarget | NetnsTarget, private readonly onAgentLog: (line: string) => void) {}

  async open(): Promise<OpenedAgent> {
    const local = await openSharedLocalAgent({ target: this.target, onLog: this.onAgentLog });
    const { session, pid } = local;
    return {
      session, agentPid: pid,
      close: async () => {
        const others = await session.sessions?.().then((all) => all.filter((s) => !s.self).length, () => 0) ?? 0;
        await session.close().catch(() => undefined);
        if (others === 0) await waitPidGone(pid, 5_000);
      },
    };
  }
}
