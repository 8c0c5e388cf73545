// `kmirror sessions [--target T] [--json]`: the sessions of the shared agents in a namespace (or
// of the one serving T) — who, since when, ports, modes, filters — as each agent lists them
// (SessionsRequest over a tunnel connection made with the token of the agent's Lease).
import { connectToSharedAgent, findSharedAgents } from '#runtime/cluster/shared-agents.js';
import { openKubeAccess } from '#runtime/cluster/kube-access.js';
import { KUBE_FLAG_OPTIONS } from '#runtime/cluster/kube-flags.js';
import { parseCommandLine, type CliCommand } from './command.js';
import { formatSessionsTable, sessionsJson, type AgentSessions } from './sessions-table.js';

const USAGE = `usage: kmirror sessions [--target pod/NAME|deploy/NAME|...] [-c CONTAINER] [-n NAMESPACE] [--context NAME] [--kubeconfig FILE] [--json]
  Lists the sessions of the shared kmirror agents in the namespace (or of the agent serving TARGET):
  who (kubeconfig user@host), since when, and their ports, modes (steal/mirror) and HTTP filters.`;

export const sessionsCommand: CliCommand = {
  name: 'sessions',
  summary: 'list the sessions sharing the kmirror agents of a namespace or target (who, since, ports, modes, filters)',
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseCommandLine({
      args: argv, strict: true, allowPositionals: false,
      options: {
        ...KUBE_FLAG_OPTIONS, target: { type: 'string' }, json: { type: 'boolean' },
      },
    });
    const access = openKubeAccess({
      ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
      ...(values.context !== undefined ? { context: values.context } : {}),
      ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
    });
    const target = values.target !== undefined && values.container !== undefined && !values.target.includes('/container/')
      ? `${values.target}/container/${values.container}` : values.target;
    const agents = await findSharedAgents(access, access.namespace, target);
    const listed: AgentSessions[] = [];
    for (const agent of agents) {
      if (!agent.podName) { io.stderr(`kmirror: the agent ${agent.jobName} of ${agent.target} is not running (it is ending)\n`); continue; }
      const { session, transport } = await connectToSharedAgent(access, agent);
      try {
        if (!session.sessions) throw new Error(`the agent ${agent.jobName} cannot list its sessions (an older agent image)`);
        listed.push({ target: agent.target, agentPod: agent.podName, sessions: await session.sessions() });
      } finally {
        await session.close().catch(() => undefined);
        transport.destroy();
      }
    }
    if (values.json) io.stdout(sessionsJson(listed));
    else if (!agents.length) io.stdout(target ? `no kmirror agent serves ${target} in namespace ${access.namespace}\n` : `no kmirror agent in namespace ${access.namespace}\n`);
    else io.stdout(formatSessionsTable(listed));
    return 0;
  },
};
