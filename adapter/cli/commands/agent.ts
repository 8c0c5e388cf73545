// `kmirror agent --target pid/N|netns/NAME [--listen HOST:PORT]`: runs the agent in this process
// (the same code as dist/kmirror-agent.js). Needs root: it enters the target's namespaces.
import { AGENT_USAGE, runAgent } from '#agent/run.js';
import type { CliCommand } from './command.js';

export const agentCommand: CliCommand = {
  name: 'agent',
  summary: 'serve a local target (pid/N or netns/NAME) to kmirror clients over the tunnel',
  usage: AGENT_USAGE,
  async run(argv) {
    await runAgent(argv);
    // The agent serves until SIGINT/SIGTERM; keep this command pending meanwhile.
    return new Promise<number>(() => undefined);
  },
};
