// One local agent per local target (pid/N, netns/NAME), shared by every session on this machine:
// a second `kmirror exec` or kmirror-dap session joins the running agent instead of starting a
// second one (two agents would each load a steal program into one network namespace and bounce
// each other's passed-through requests: black-holed traffic).
//
//   state file  <run dir>/agent-<key>.json  {pid, port, token, protocol}  mode 0600, dir 0700
//   election    abstract unix socket @kmirror-agent/<key>, bound by the agent (agent/src/shared-election.ts)
//
// Joining: read the state file (only its user or root can: that is the proof a session may use
// the agent), then connect with its token (the agent also checks the peer is its own user). With
// no usable state, start an agent: if another start won the election at the same moment, ours
// exits with "taken" and we join the winner once its state file appears. The agent ends itself
// shortly after its last session leaves (--idle-exit-after-last), so it is no session's child.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TunnelError, isTunnelError } from '#proto/runtime/errors.js';
import { PROTOCOL_VERSION } from '#proto/runtime/handshake.js';
import { formatTarget, type NetnsTarget, type PidTarget } from '#proto/runtime/target.js';
import { connectAgent, type AgentSession } from '../tunnel/agent-session.js';
import { findAgentBundle } from '../tunnel/local-agent.js';

export interface SharedAgentState { pid: number; port: number; token: string; protocol: number; target: string; startedAtMs: number }

export interface SharedLocalAgent {
  session: AgentSession;
  /** The agent's pid. */
  pid: number;
  /** True when this session joined an agent that was already running. */
  joined: boolean;
  stateFile: string;
}

export interface OpenSharedLocalAgentOptions {
  target: PidTarget | NetnsTarget;
  clientName?: string;
  timeoutMs?: number;
  /** Seconds the agent waits for its first session (default 10) and after its last one left (default 0.05: a joiner that races the exit starts a new one). */
  idleExit?: { first: number; afterLast: number };
  agentJs?: string;
  /** One line per decision (started, joined), for the session's debug log. */
  onLog?: (line: string) => void;
}

/** Where local agents leave their state: KMIRROR_RUN_DIR, /run/kmirror for root, else a per-user directory. */
export function localRunDir(): string {
  if (process.env.KMIRROR_RUN_DIR) return process.env.KMIRROR_RUN_DIR;
  const uid = process.getuid?.() ?? 0;
  if (uid === 0) return '/run/kmirror';
  return join(process.env.XDG_RUNTIME_DIR ?? '/tmp', `kmirror-${uid}`);
}

/** The target's key: pid/N also carries the process start time, so a reused pid is another target. */
export function localAgentKey(target: PidTarget | NetnsTarget): string {
  if (target.kind === 'netns') return `netns-${target.name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  let start = '0';
  try {
    const stat = readFileSync(`/proc/${target.pid}/stat`, 'utf8');
    start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '0'; // field 22, starttime
  } catch { /* the agent reports a missing process itself */ }
  return `pid-${target.pid}-${start}`;
}

function readState(path: string, spec: string): SharedAgentState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EACCES') throw new TunnelError('PERMISSION_DENIED', `the kmirror agent for ${spec} belongs to another user (${path} is not readable): only its user or root may join its sessions`);
    throw err;
  }
  try { return JSON.parse(text) as SharedAgentState; } catch { return undefined; } // being replaced
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch { return false; }
}

/** True while some agent holds the election name of `key`. */
function electionHeld(key: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ path: `\0kmirror-agent/${key}` });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function startAgent(o: OpenSharedLocalAgentOptions, key: string, stateFile: string, token: string, deadline: number): Promise<'taken' | { pid: number; port: number }> {
  const spec = formatTarget(o.target);
  const dir = localRunDir();
  const idle = o.idleExit ?? { first: 10, afterLast: 0.05 };
  // Its log outlives this session: it goes to a file beside the state, not to our pipe.
  const logFd = openSync(join(dir, `agent-${key}.log`), 'a', 0o600);
  const child = spawn(process.execPath, [o.agentJs ?? findAgentBundle(), '--target', spec, '--listen', '127.0.0.1:0', '--only-same-user',
    '--shared-key', key, '--state-file', stateFile, '--idle-exit', String(idle.first), '--idle-exit-after-last', String(idle.afterLast)], {
    env: { ...process.env, KMIRROR_AGENT_TOKEN: token }, stdio: ['ignore', 'pipe', logFd], detached: true,
  });
  closeSync(logFd);
  child.unref();
  try {
    return await new Promise((resolve, reject) => {
      let settled = false;
      const settle = (f: () => void): void => { if (!settled) { settled = true; clearTimeout(timer); f(); } };
      const log = join(dir, `agent-${key}.log`);
      const timer = setTimeout(() => settle(() => reject(new TunnelError('TIMED_OUT', `agent for ${spec} printed no ready line (log: ${log})`))), Math.max(1, deadline - Date.now()));
      createInterface({ input: child.stdout! }).once('line', (line) => settle(() => {
        let first: { event?: string; port?: number } = {};
        try { first = JSON.parse(line) as typeof first; } catch { /* reported below */ }
        if (first.event === 'taken') resolve('taken');
        else if (first.event === 'ready' && typeof first.port === 'number') resolve({ pid: child.pid!, port: first.port });
        else reject(new TunnelError('INTERNAL', `agent for ${spec} printed an unexpected first line: ${line.slice(0, 200)}`));
      }));
      child.once('exit', (code, signal) => settle(() => {
        let tail = '';
        try { tail = readFileSync(log, 'utf8').trim().split('\n').slice(-3).map((l) => { try { return (JSON.parse(l) as { err?: string; msg?: string }).err ?? l; } catch { return l; } }).join('\n'); } catch { /* no log */ }
        rmSync(log, { force: true }); // it never served: its last lines are in the error
        reject(new TunnelError('UNAVAILABLE', `agent for ${spec} exited (${code ?? signal}) before it was ready${tail ? `: ${tail}` : ''}`));
      }));
    });
  } finally {
    child.stdout?.destroy(); // the agent writes nothing more on stdout
  }
}

/**
 * Removes the state and log of agents that died without cleaning up (kill -9, a crash): the pid is
 * gone and nobody holds the election name, so no successor is writing that state right now.
 */
export async function sweepStaleLocalAgents(dir = localRunDir()): Promise<void> {
  let names: string[];
  try { names = readdirSync(dir); } catch { return; }
  for (const name of names) {
    const m = /^agent-(.+)\.json$/.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    let state: SharedAgentState | undefined;
    try { state = JSON.parse(readFileSync(path, 'utf8')) as SharedAgentState; } catch { continue; }
    if (alive(state.pid) || await electionHeld(m[1]!)) continue;
    for (const p of [path, join(dir, `agent-${m[1]}.log`)]) rmSync(p, { force: true });
  }
}

/** Joins the running agent for the target, or starts it; see the file comment. */
export async function openSharedLocalAgent(o: OpenSharedLocalAgentOptions): Promise<SharedLocalAgent> {
  const spec = formatTarget(o.target);
  const dir = localRunDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = localAgentKey(o.target);
  const stateFile = join(dir, `agent-${key}.json`);
  await sweepStaleLocalAgents(dir);
  const deadline = Date.now() + (o.timeoutMs ?? 20_000);
  const connect = (port: number, token: string): Promise<AgentSession> =>
    connectAgent({ url: `ws://127.0.0.1:${port}/kmirror/v1`, token, clientName: o.clientName ?? 'kmirror workstation session', timeoutMs: Math.max(1000, deadline - Date.now()) });
  for (let attempt = 0; ; attempt++) {
    if (Date.now() > deadline) throw new TunnelError('TIMED_OUT', `no agent for ${spec} to start or join within ${o.timeoutMs ?? 20_000} ms (state: ${stateFile})`);
    const state = readState(stateFile, spec);
    if (state && alive(state.pid)) {
      if (state.protocol !== PROTOCOL_VERSION) {
        throw new TunnelError('VERSION_MISMATCH', `the running kmirror agent for ${spec} (pid ${state.pid}) speaks tunnel protocol ${state.protocol}, this kmirror speaks ${PROTOCOL_VERSION}: end its sessions first, or use the same kmirror version`);
      }
      try {
        const session = await connect(state.port, state.token);
        o.onLog?.(`joined the running agent for ${spec} (pid ${state.pid})`);
        return { session, pid: state.pid, joined: true, stateFile };
      } catch (err) {
        // Refused or closed: the agent is ending (its last session just left); its successor is awaited below.
        const ending = isTunnelError(err) && ['CONNECTION_REFUSED', 'UNAVAILABLE', 'TIMED_OUT'].includes(err.code);
        if (!ending && alive(state.pid)) throw err;
      }
    }
    if (await electionHeld(key)) { await sleep(Math.min(200, 25 * (attempt + 1))); continue; } // starting or ending
    const token = randomBytes(24).toString('base64url');
    const started = await startAgent(o, key, stateFile, token, deadline);
    if (started === 'taken') continue; // another session won the election at the same moment
    const session = await connect(started.port, token);
    o.onLog?.(`started the agent for ${spec} (pid ${started.pid}), shared with later sessions`);
    return { session, pid: started.pid, joined: false, stateFile };
  }
}

/** Connects to the running agent of the target without starting one; undefined when none runs. */
export async function readSharedLocalAgent(target: PidTarget | NetnsTarget, clientName: string): Promise<AgentSession | undefined> {
  const spec = formatTarget(target);
  const state = readState(join(localRunDir(), `agent-${localAgentKey(target)}.json`), spec);
  if (!state || !alive(state.pid)) return undefined;
  return connectAgent({ url: `ws://127.0.0.1:${state.port}/kmirror/v1`, token: state.token, clientName });
}

/** Waits (bounded) for a process that is not our child to end. */
export async function waitPidGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > end) return false;
    await sleep(25);
  }
  return true;
}
