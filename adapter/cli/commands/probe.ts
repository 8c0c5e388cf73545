// `kmirror probe --target T [--resolve NAME]... [--file PATH]... [--env NAME]... [URL]...`:
// a smoke test of a target through the agent — prints the target's env, DNS answers, files and
// fetched URLs, each coming from inside the target.
import { connectAgent, type AgentSession } from '#runtime/tunnel/agent-session.js';
import { startLocalAgent, type LocalAgent } from '#runtime/tunnel/local-agent.js';
import { AGENT_TARGET_KINDS, LOCAL_TARGET_KINDS, isTargetError, parseTarget } from '#proto/runtime/target.js';
import { fetchThroughTunnel } from '../fetch-through-tunnel.js';
import { parseCommandLine, UsageError, type CliCommand, type CliIo } from './command.js';

const USAGE = `usage: kmirror probe --target pid/N|netns/NAME [--resolve NAME]... [--file PATH]... [--env NAME]... [URL]...
       kmirror probe --agent-url ws://HOST:PORT/kmirror/v1 ...   (token from KMIRROR_AGENT_TOKEN)
  Without --env, prints the whole environment of a pid target.`;

const MAX_SHOWN_BYTES = 4096;

function clip(text: string): string {
  return text.length > MAX_SHOWN_BYTES ? `${text.slice(0, MAX_SHOWN_BYTES)}\n… (${text.length - MAX_SHOWN_BYTES} more bytes)` : text;
}

async function open(values: { target?: string; 'agent-url'?: string }): Promise<{ session: AgentSession; agent?: LocalAgent }> {
  if (values['agent-url']) {
    const token = process.env.KMIRROR_AGENT_TOKEN;
    if (!token) throw new UsageError('--agent-url needs the session token in KMIRROR_AGENT_TOKEN');
    return { session: await connectAgent({ url: values['agent-url'], token, clientName: 'kmirror probe' }) };
  }
  if (!values.target) throw new UsageError('--target (or --agent-url) is required');
  try {
    parseTarget(values.target, { kinds: LOCAL_TARGET_KINDS });
  } catch (err) {
    throw isTargetError(err) ? new UsageError(err.message) : err;
  }
  const agent = await startLocalAgent({ target: values.target });
  try {
    return { session: await connectAgent({ url: agent.url, token: agent.token, clientName: 'kmirror probe' }), agent };
  } catch (err) {
    await agent.stop();
    throw err;
  }
}

/** True when the agent serves a process (pid/N), whose whole environment is printed by default. */
function servesProcess(agentTarget: string): boolean {
  try {
    return parseTarget(agentTarget, { kinds: AGENT_TARGET_KINDS }).kind === 'pid';
  } catch (err) {
    if (isTargetError(err)) return false;   // an agent of another kind or version: print only what --env asks
    throw err;
  }
}

async function step(io: CliIo, title: string, fn: () => Promise<string>): Promise<boolean> {
  io.stdout(`== ${title}\n`);
  try {
    io.stdout(`${await fn()}\n`);
    return true;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    io.stdout(`ERROR ${e.code ?? ''} ${e.message ?? String(err)}\n`);
    return false;
  }
}

export const probeCommand: CliCommand = {
  name: 'probe',
  summary: "print a target's env, DNS answers, files and URLs fetched through the agent",
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine({
      args: argv, allowPositionals: true, strict: true,
      options: { target: { type: 'string' }, 'agent-url': { type: 'string' }, resolve: { type: 'string', multiple: true }, file: { type: 'string', multiple: true }, env: { type: 'string', multiple: true } },
    });
    const { session, agent } = await open(values);
    let ok = true;
    try {
      io.stdout(`kmirror probe: agent serving ${session.target} (capabilities: ${[...session.capabilities].join(', ')})\n`);
      if (values.env || servesProcess(session.target)) {
        ok = (await step(io, 'env', async () => {
          const env = await session.env();
          const names = values.env ?? Object.keys(env).sort();
          return names.map((n) => (n in env ? `${n}=${env[n]}` : `${n} (not set)`)).join('\n');
        })) && ok;
      }
      for (const name of values.resolve ?? []) {
        ok = (await step(io, `resolve ${name}`, async () => (await session.resolve(name)).join(' '))) && ok;
      }
      for (const path of values.file ?? []) {
        ok = (await step(io, `file ${path}`, async () => clip((await session.readFile(path)).toString('utf8')))) && ok;
      }
      for (const url of positionals) {
        ok = (await step(io, `GET ${url}`, async () => {
          const r = await fetchThroughTunnel(session, url);
          return `${r.status} ${r.statusText}\n${clip(r.body.toString('utf8'))}`;
        })) && ok;
      }
    } finally {
      await session.close();
      await agent?.stop();
    }
    return ok ? 0 : 1;
  },
};
