// The workstation session, shared by `kmirror exec` and kmirror-dap: one agent for the target,
// one tunnel, one local proxy serving every process the session launches.
// Steps: resolve the policy → open the agent through the target's placement (a local process, or
// an agent placed in the cluster: adapter/runtime/placement/) → read the target's env → start the
// local proxy.
// Lifecycle: close() stops the proxy, then the tunnel, then a local agent. If the agent goes away
// while processes run, their remote connects fail with ECONNREFUSED (one warning) and files fall
// back to local; nothing hangs.
import { EventEmitter } from 'node:events';
import { resolvePolicy, type SessionPolicy } from '../config/policy.js';
import { ConfigError } from '../config/errors.js';
import type { KmirrorConfig } from '../config/types.js';
import { LocalProxy, type ProxyStatus } from '../proxy/local-proxy.js';
import { placementForTarget } from '../placement/placement-for-target.js';
import { isTunnelError, type AgentSession } from '../tunnel/agent-session.js';
import { findLayerBinary } from './layer-binary.js';
import { startTrace } from '../trace/trace-client.js';
import type { TraceOptions, TraceSession } from '../trace/trace-types.js';
import { readEnvFile } from './env-file.js';
import { filterTargetEnv } from './target-env.js';
import type { DebuggerSpec, StartedDebuggerContainer } from '../cluster/debugger-container.js';
import { debuggerSpec, listenAddress, type ContainerDebuggerKind, type PlacedDebugger } from '../placement/debugger-placement.js';
import type { TargetIdentity } from '../placement/cluster-agent-session.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
/** Where the session writes its log lines (adapt any logger: DAP, CLI, JSON). */
export interface SessionLogger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export interface OpenWorkstationSessionOptions {
  config: KmirrorConfig;
  log: SessionLogger;
  signal?: AbortSignal;
  /** Overrides config.target (e.g. `--target` on the command line). */
  target?: string;
  /** Working directory of the launched programs (local in the read/write fs modes). Default: process.cwd(). */
  cwd?: string;
  /** Deadline for starting and connecting the agent. Default 30 s. */
  timeoutMs?: number;
}

export interface SessionStatus {
  target: string;
  agent: 'ready' | 'closed';
  /** pid of a local target's agent process (absent for Kubernetes targets). */
  agentPid?: number;
  capabilities: string[];
  proxy: ProxyStatus;
  /** Last connection event of a self-healing (Kubernetes) agent, e.g. "reconnected after 850 ms (same agent …)". */
  agentEvent?: string;
}

export interface WrapOptions {
  /** Wins over the target's env, which wins over this process's env. */
  env?: Record<string, string>;
  /** Ports never trapped for this command (a debugger's listen/connect ports). */
  excludePorts?: number[];
}

export interface WrappedCommand { command: string; args: string[]; env: Record<string, string> }

export interface WorkstationSession {
  readonly target: string;
  readonly policy: SessionPolicy;
  /** The target's env after include/exclude/override. */
  readonly targetEnv: Record<string, string>;
  wrapCommand(argv: string[], opts?: WrapOptions): WrappedCommand;
  /** The agent's session: remote attach opens inspectors and reaches the target's loopback through it. */
  readonly agentSession: AgentSession;
  /** The target container's probe settings (Kubernetes targets), for the remote-attach warning. */
  targetProbes(): Promise<string | undefined>;
  /** The target container instance now (Kubernetes targets), else undefined: why an attach session ended. */
  targetIdentity(): Promise<TargetIdentity | undefined>;
  /** Places the debugger container of a remote attach (Go, Python) in the target pod; Kubernetes targets only. */
  startDebugger(kind: ContainerDebuggerKind, timeoutMs: number, args?: string[]): Promise<PlacedDebugger>;
  status(): SessionStatus;
  /** Starts trace gadgets in the target's agent (adapter/runtime/trace/); TunnelError when it cannot. */
  startTrace(opts: TraceOptions): Promise<TraceSession>;
  on(event: 'status' | 'warning' | 'error', listener: (arg: unknown) => void): this;
  close(): Promise<void>;
}

function processEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
}

async function withDeadline<T>(what: string, ms: number, signal: AbortSignal | undefined, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    signal?.addEventListener('abort', () => reject(new Error(`${what}: aborted`)), { once: true });
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts (local) or places (Kubernetes) the agent and returns a connected session. */
async function openAgent(target: string, config: KmirrorConfig, log: SessionLogger, signal?: AbortSignal): Promise<{ agent: AgentSession; stop: () => Promise<void>; pid?: number }> {
  const placement = await placementForTarget(target, config, {
    log: (level, message, fields) => log.log(level, message, fields),
    ...(signal ? { signal } : {}),
  });
  const opened = await placement.open();
  return { agent: opened.session, stop: () => opened.close(), ...(opened.agentPid !== undefined ? { pid: opened.agentPid } : {}) };
}

/** The target's env; a target without one (netns/NAME) gives {} and an info line. */
async function readTargetEnv(agent: AgentSession, target: string, timeoutMs: number, opts: OpenWorkstationSessionOptions): Promise<Record<string, string>> {
  try {
    return await withDeadline(`environment of ${target}`, timeoutMs, opts.signal, agent.env());
  } catch (err) {
    if (!isTunnelError(err)) throw err;
    opts.log.log('info', `no environment taken from ${target}: ${err.message}`);
    return {};
  }
}

/** The target's hostname: the first line of its /etc/hostname (a pod's name); "" when it has none. */
async function readTargetHostname(agent: AgentSession, target: string, timeoutMs: number, opts: OpenWorkstationSessionOptions): Promise<string> {
  try {
    const text = (await withDeadline(`hostname of ${target}`, timeoutMs, opts.signal, agent.readFile('/etc/hostname'))).toString('utf8');
    const name = text.split('\n')[0]?.trim() ?? '';
    return /^[A-Za-z0-9.-]{1,64}$/.test(name) ? name : '';
  } catch (err) {
    if (!isTunnelError(err)) throw err;
    opts.log.log('info', `uname() keeps the workstation's hostname: no /etc/hostname in ${target} (${err.message})`);
    return '';
  }
}

export async function openWorkstationSession(opts: OpenWorkstationSessionOptions): Promise<WorkstationSession> {
  const policy = resolvePolicy(opts.config);
  const target = opts.target ?? policy.target;
  if (!target) throw new ConfigError('target', 'no target: give --target or "target" in the configuration');
  const fileEnv = policy.env.enabled ? readEnvFile(policy.env.envFile, opts.cwd ?? process.cwd()) : {};
  const layerBin = findLayerBinary();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const { agent, stop, pid } = await withDeadline(`agent for ${target}`, timeoutMs, opts.signal, openAgent(target, opts.config, opts.log, opts.signal));
  let proxy: LocalProxy | undefined;
  try {
    const remoteEnv = policy.env.enabled ? await readTargetEnv(agent, target, timeoutMs, opts) : {};
    const targetEnv = filterTargetEnv(remoteEnv, policy.env, fileEnv);
    const hostname = policy.hostname ? await readTargetHostname(agent, target, timeoutMs, opts) : '';
    // Warnings and incoming-subscription changes also become session events (kmirror/status).
    let session: Session | undefined;
    proxy = await LocalProxy.start({
      agent: () => (agent.closed ? undefined : agent),
      policy,
      hostname,
      cwd: opts.cwd ?? process.cwd(),
      log: (level, message, fields) => {
        opts.log.log(level, message, fields);
        if (level === 'warn') session?.emit('warning', message);
        if (level === 'info' || level === 'warn') session?.emit('status', session.status());
      },
    });
    session = new Session(target, policy, targetEnv, agent, proxy, stop, layerBin, opts.log, pid, opts.config);
    return session;
  } catch (err) {
    await proxy?.close();
    await stop();
    throw err;
  }
}

class Session extends EventEmitter implements WorkstationSession {
  private closed = false;

  constructor(
    readonly target: string,
    readonly policy: SessionPolicy,
    readonly targetEnv: Record<string, string>,
    private readonly agent: AgentSession,
    private readonly proxy: LocalProxy,
    private readonly stopAgent: () => Promise<void>,
    private readonly layerBin: string,
    private readonly log: SessionLogger,
    private readonly agentPid?: number,
    private readonly config: KmirrorConfig = {},
  ) {
    super();
    agent.on('close', (reason: unknown) => {
      if (this.closed) return;
      const message = `lost the agent for ${target} (${String(reason)}): connections to the target now fail with ECONNREFUSED, files are local`;
      log.log('error', message);
      if (this.listenerCount('error')) this.emit('error', new Error(message));
      this.emit('status', this.status());
    });
    agent.on('error', (err: unknown) => log.log('warn', `agent: ${(err as Error).message}`));
    // A Kubernetes agent session reconnects by itself (adapter/runtime/cluster/reconnecting-session.ts):
    // pass its disconnect/reconnect reports on as status changes and warnings.
    agent.on('status', (st: { type: string; reason?: string; gapMs?: number; note?: string }) => {
      this.agentEvent = st.type === 'reconnected' ? `reconnected after ${st.gapMs} ms (${st.note ?? 'same agent'})`
        : `${st.type}${st.reason ? `: ${st.reason}` : ''}`;
      if (this.listenerCount('warning')) this.emit('warning', `agent ${this.agentEvent}`);
      this.emit('status', this.status());
    });
  }
  private agentEvent: string | undefined;

  wrapCommand(argv: string[], opts: WrapOptions = {}): WrappedCommand {
    if (!argv.length || !argv[0]) throw new Error('wrapCommand: empty command');
    const env: Record<string, string> = { ...processEnv(), ...this.targetEnv, ...(opts.env ?? {}) };
    env.KMIRROR_LAYER_SOCKET = this.proxy.socketPath;
    const ports = (opts.excludePorts ?? []).filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
    if (ports.length) env.KMIRROR_LAYER_EXCLUDE_PORTS = ports.join(',');
    else delete env.KMIRROR_LAYER_EXCLUDE_PORTS;
    return { command: this.layerBin, args: ['--', ...argv], env };
  }

  startTrace(opts: TraceOptions): Promise<TraceSession> {
    return startTrace(this.agent, opts);
  }

  get agentSession(): AgentSession {
    return this.agent;
  }

  async targetProbes(): Promise<string | undefined> {
    const cluster = this.agent as AgentSession & { targetProbes?: () => Promise<string | undefined> };
    return cluster.targetProbes ? cluster.targetProbes() : undefined;
  }

  async targetIdentity(): Promise<TargetIdentity | undefined> {
    const cluster = this.agent as AgentSession & { targetIdentity?: () => Promise<TargetIdentity> };
    return cluster.targetIdentity ? cluster.targetIdentity() : undefined;
  }

  async startDebugger(kind: ContainerDebuggerKind, timeoutMs: number, args: string[] = []): Promise<PlacedDebugger> {
    const cluster = this.agent as AgentSession & { startDebugger?: (spec: DebuggerSpec) => Promise<StartedDebuggerContainer> };
    if (!cluster.startDebugger) throw new ConfigError('target', `attach with a debugger container needs a Kubernetes target (pod/NAME, deploy/NAME, …), not ${this.target}`);
    const spec = debuggerSpec(kind, this.config, timeoutMs, args);
    const started = await cluster.startDebugger(spec);
    return { container: started.name, image: spec.image, ...listenAddress(started.ready) };
  }

  status(): SessionStatus {
    return {
      target: this.target,
      agent: this.agent.closed ? 'closed' : 'ready',
      ...(this.agentPid ? { agentPid: this.agentPid } : {}),
      capabilities: [...this.agent.capabilities],
      proxy: this.proxy.status(),
      ...(this.agentEvent ? { agentEvent: this.agentEvent } : {}),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.proxy.close();
    await this.stopAgent();
  }
}
