// Local placement (pid/N, netns/NAME): the agent runs on this machine as a child process and the
// tunnel connects to it directly (no cluster). close() ends the session, then the process.
import type { NetnsTarget, PidTarget } from '#proto/runtime/target.js';
import { formatTarget } from '#proto/runtime/target.js';
import { connectAgent } from '../tunnel/agent-session.js';
import { startLocalAgent } from '../tunnel/local-agent.js';
import type { AgentPlacement, OpenedAgent } from './placement.js';

export class LocalPlacement implements AgentPlacement {
  readonly mode = 'local' as const;

  constructor(private readonly target: PidTarget | NetnsTarget, private readonly onAgentLog: (line: string) => void) {}

  async open(): Promise<OpenedAgent> {
    const local = await startLocalAgent({ target: formatTarget(this.target), onLog: this.onAgentLog });
    try {
      const session = await connectAgent({ url: local.url, token: local.token, clientName: 'kmirror workstation session' });
      return { session, agentPid: local.pid, close: async () => { await session.close().catch(() => undefined); await local.stop(); } };
    } catch (err) {
      await local.stop();
      throw err;
    }
  }
}
