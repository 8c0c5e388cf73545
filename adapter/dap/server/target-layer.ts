// Opens the kmirror layer for a target: the WorkstationSession (agent, tunnel,
// local proxy) whose wrapCommand starts debuggees under the layer launcher. Settings come from
// `configFile` (or .kmirror.json in cwd) with the launch config's `kmirror` object merged over it;
// the target from the launch config, else the settings, else `kmirror-dap --target`. Bounded by
// `targetTimeoutMs` so an unreachable agent or target fails the launch instead of hanging.
import { loadConfig } from '#runtime/config/load.js';
import { validateConfig } from '#runtime/config/validate.js';
import { isConfigError } from '#runtime/config/errors.js';
import type { KmirrorConfig } from '#runtime/config/types.js';
import { DapError, isDapError, reportAs, withTimeout } from '../common/errors.js';
import type { ServerLayer } from './layer.js';
import type { KmirrorLaunchConfig } from './launch-config.js';
import type { DapLogger } from './log.js';

const DEFAULT_TIMEOUT_MS = 30_000;

export interface OpenTargetOptions {
  config: KmirrorLaunchConfig;
  /** `kmirror-dap --target`: used when neither the launch config nor the settings name a target. */
  defaultTarget?: string;
  log: DapLogger;
  signal?: AbortSignal;
  onStatus(message: string): void;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge: `over` wins; arrays and scalars replace. */
export function mergeSettings(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeSettings(out[k] as Record<string, unknown>, v) : v;
  return out;
}

/** The kmirror settings of a launch config; a bad key is a BAD_LAUNCH_FIELD error naming it. */
export function launchSettings(config: KmirrorLaunchConfig): { settings: KmirrorConfig; warnings: string[] } {
  try {
    const file = loadConfig({ ...(config.configFile ? { file: config.configFile } : {}), ...(config.cwd ? { cwd: config.cwd } : {}) });
    const inline = config.kmirror ? validateConfig(config.kmirror, 'launch configuration field "kmirror"') : { config: {}, warnings: [] };
    return { settings: mergeSettings(file.config as Record<string, unknown>, inline.config as Record<string, unknown>) as KmirrorConfig, warnings: [...file.warnings, ...inline.warnings] };
  } catch (e) {
    if (isConfigError(e)) throw new DapError('BAD_LAUNCH_FIELD', `${config.kmirror && !config.configFile ? 'launch configuration field "kmirror"' : 'kmirror settings'}: ${e.message}${e.key ? ` (key ${e.key})` : ''}`, { cause: e });
    throw e;
  }
}

export async function openTargetLayer(opts: OpenTargetOptions): Promise<ServerLayer> {
  const { config, log } = opts;
  const { settings, warnings } = launchSettings(config);
  for (const w of warnings) log.log('warn', 'layer', w);
  const timeoutMs = config.targetTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  // mirrord's object form ({ path, namespace }) is read by the session itself.
  const settingsTarget = typeof settings.target === 'string' ? settings.target : settings.target?.path;
  const target = config.target ?? (settingsTarget ? undefined : opts.defaultTarget);
  const label = target ?? settingsTarget ?? '(no target)';
  opts.onStatus(`starting the agent for ${label}`);
  let session;
  try {
    // Loaded on first use: sessions without a target never initialise the tunnel/cluster code.
    const { openWorkstationSession } = await import('#runtime/session/workstation-session.js');
    session = await withTimeout(openWorkstationSession({
      config: settings, ...(target ? { target } : {}), cwd: config.cwd, timeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
      log: { log: (level, message, fields) => log.log(level, 'layer', message, fields) },
    }), timeoutMs + 2_000, `connecting to target ${label}`);
  } catch (e) {
    if (isConfigError(e)) throw new DapError('BAD_LAUNCH_FIELD', `kmirror settings: ${e.message}`, { cause: e });
    // A cluster or tunnel error keeps its own DAP id (a missing pod, RBAC, a failed agent differ).
    throw reportAs('TARGET_UNREACHABLE', `cannot reach target ${label}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  opts.onStatus(`agent ready for ${label}`);
  const s = session;
  return {
    active: true,
    targetEnv: s.targetEnv,
    wrap: (argv, o) => s.wrapCommand(argv, o),
    status: () => ({ ...s.status() }),
    remote: {
      target: s.target,
      openNodeInspector: async (o) => {
        const agent = s.agentSession;
        if (!agent.openNodeInspector) throw new DapError('NOT_SUPPORTED', `the agent for ${s.target} cannot open a Node inspector`);
        return agent.openNodeInspector(o).catch(refusal);
      },
      holdProcess: async (o) => {
        const agent = s.agentSession;
        if (!agent.holdProcess) throw new DapError('NOT_SUPPORTED', `the agent for ${s.target} cannot hold a process for a debugger`);
        return agent.holdProcess(o).catch(refusal);
      },
      startDebugger: (kind, ms, args) => s.startDebugger(kind, ms, args),
      connect: (host, port) => s.agentSession.connectTcp(host, port, { allowHalfOpen: false }),
      probes: () => s.targetProbes(),
      identity: () => s.targetIdentity(),
    },
    onDidChangeStatus: (listener) => { s.on('status', () => listener()); },
    startTrace: (o) => s.startTrace(o),
    close: () => s.close(),
  };
}

/** The agent's refusal of a process (not that debugger's kind, not in the container, already held) is the user's to act on, not an internal error. */
function refusal(e: unknown): never {
  throw isDapError(e) ? e : reportAs('BAD_LAUNCH_FIELD', e instanceof Error ? e.message : String(e), e);
}
