// `kmirror agent --target pid/N|netns/NAME [--listen HOST:PORT]`: runs the agent bundle
// (dist/kmirror-agent.js) as a child process with this terminal's stdio, so the CLI never loads
// the agent's code. Needs root: the agent enters the target's namespaces.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { findAgentBundle } from '#runtime/tunnel/local-agent.js';
import { parseCommandLine, UsageError, type CliCommand } from './command.js';

const USAGE = `usage: kmirror agent --target pid/N|netns/NAME|container-id/ID [--listen HOST:PORT] [--log-level debug|info|warn|error] [--idle-exit SECONDS]
  The session token is read from KMIRROR_AGENT_TOKEN (generated and printed in the ready line when unset).`;

/** Signals the agent acts on; a terminal's Ctrl-C reaches both processes, a `kill PID` only this one. */
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Checks the command line here so that mistakes are reported with the usage before a process starts. */
function checkUsage(argv: string[]): void {
  const { values } = parseCommandLine({
    args: argv,
    options: { target: { type: 'string' }, listen: { type: 'string' }, 'log-level': { type: 'string' }, 'idle-exit': { type: 'string' } },
    strict: true,
  });
  if (!values.target) throw new UsageError('--target is required');
}

/** Resolves with the agent's exit code; an agent ended by a signal ends this process by the same signal. */
function waitForAgent(child: ChildProcess): Promise<number> {
  const forward = (signal: NodeJS.Signals): void => { child.kill(signal); };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      for (const s of FORWARDED_SIGNALS) process.off(s, forward);
      if (signal) {
        process.kill(process.pid, signal);
        resolve(128 + constants.signals[signal]); // for a signal whose default action is not to end
      } else resolve(code ?? 1);
    });
  });
}

export const agentCommand: CliCommand = {
  name: 'agent',
  summary: 'serve a local target (pid/N or netns/NAME) to kmirror clients over the tunnel',
  usage: USAGE,
  async run(argv) {
    checkUsage(argv);
    const child = spawn(process.execPath, [findAgentBundle(), ...argv], { stdio: 'inherit' });
    return waitForAgent(child);
  },
};
