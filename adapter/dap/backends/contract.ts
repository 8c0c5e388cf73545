// What the DAP server and the backends share, so that backends never import the server: the launch
// configuration as a backend sees it, how a debuggee is started (the layer), and the logger.
// The server's own config type (`KmirrorLaunchConfig`, server/launch-config.ts, the source of the
// JSON Schema) extends BackendLaunchConfig with the two fields only the server interprets: the
// debugger kind (derived from the registry) and the kmirror settings (the workstation runtime's type).
import type { ChildProcess } from 'node:child_process';

/** The launch/attach fields a backend reads; any other field is debugger-specific and passes through. */
export interface BackendLaunchConfig {
  /** Debug type; always "kmirror". */
  type?: 'kmirror';
  /** "launch" starts the program; "attach" attaches to a running one (processId, or port for Node/dlv). */
  request: 'launch' | 'attach';
  /** Name shown by the editor. */
  name?: string;
  /** Where the program's network, DNS, files and env come from: pod/NAME, deploy/NAME, pid/N, netns/NAME, targetless. Overrides `kmirror-dap --target`. */
  target?: string;
  /** Program to debug: an executable, a script, or (Go) a package directory or main .go file. */
  program?: string;
  /** Command-line arguments for the program. */
  args?: string[];
  /** Working directory of the program (default: the program's directory). */
  cwd?: string;
  /** Environment variables for the program; they override the target's environment. */
  env?: Record<string, string>;
  /** Stop at the program's entry point. */
  stopOnEntry?: boolean;
  /** Where the program's output goes: the debug console, or a terminal of the editor (runInTerminal). */
  console?: 'internalConsole' | 'integratedTerminal' | 'externalTerminal';
  /** Attach: the process id of a running program. With a target (remote attach): the pid inside the container (omitted: the container's main process). */
  processId?: number;
  /** Remote attach: the checkout's directory that corresponds to `remoteRoot` (source mapping). */
  localRoot?: string;
  /** Remote attach: where the program's sources are inside the container (e.g. /app). */
  remoteRoot?: string;
  /** Snapshot breakpoints: each hit records the stack, locals and arguments as an `output` event (`data.kind` "kmirror/snapshot", with the pause it cost) and the program runs on, never stopped. Without it, remote attach warns about the container's probes. */
  nonBreaking?: boolean;
  /** Remote attach (Node, Go): when the container restarts or the pod is replaced, attach to the new process (the container's main one, or `processId` again), set the breakpoints again and go on, instead of ending the session; waits up to `targetTimeoutMs` (default 120000) for it. */
  followRestarts?: boolean;
  /** Attach: host of a running debug server (Node inspector, headless dlv). */
  host?: string;
  /** Attach: port of a running debug server (Node inspector, headless dlv, `debugpy --listen`). Python in a pod without it: debugpy is injected by pid. */
  port?: number;
  /** Path of the debugger executable, when it is not found on PATH. */
  debuggerPath?: string;
  /** Path of a kmirror config file (.kmirror.json or mirrord.json). */
  configFile?: string;
  /** How long to wait for the agent and the tunnel before failing the launch (ms, default 30000). */
  targetTimeoutMs?: number;
}

/** Every launch field kmirror-dap interprets itself (the server validates each one). */
export const LAUNCH_FIELDS = [
  'type', 'request', 'name', 'target', 'debugger', 'program', 'args', 'cwd', 'env', 'stopOnEntry', 'console',
  'processId', 'host', 'port', 'debuggerPath', 'kmirror', 'configFile', 'targetTimeoutMs', 'trace', 'traceOutput',
  'localRoot', 'remoteRoot', 'nonBreaking',
  'followRestarts', 'answerTimeoutMs',
] as const satisfies readonly (keyof BackendLaunchConfig | 'debugger' | 'kmirror' | 'trace' | 'traceOutput' | 'answerTimeoutMs')[];
export type LaunchField = (typeof LAUNCH_FIELDS)[number];

/** Fields editors add on their own (the last: the kmirror VS Code extension, server/dap-custom.ts); never meant for the debugger. */
const EDITOR_FIELDS = ['__sessionId', '__configurationTarget', 'noDebug', '__restart', '__kmirrorProgressEvents'];

const CONSUMED_FIELDS: ReadonlySet<string> = new Set([...LAUNCH_FIELDS, ...EDITOR_FIELDS]);

/** The debugger-specific fields of a config (those kmirror-dap does not interpret). */
export function passThroughFields(config: BackendLaunchConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([k]) => !CONSUMED_FIELDS.has(k)));
}

export interface WrappedCommand {
  command: string;
  args: string[];
  /** The complete environment for the process. */
  env: Record<string, string>;
}

/**
 * How debuggees are started: under the kmirror layer when a target is connected, or plainly when
 * there is no target. Backends use only this interface, so they never know whether a cluster is
 * involved. The layer applies to the debuggee only: debuggers are spawned directly, and their
 * ports are excluded.
 */
export interface DebuggeeLayer {
  /** True when a target is connected and commands are wrapped by the layer launcher. */
  readonly active: boolean;
  /** The target's environment (after include/exclude/override); empty without a target. */
  readonly targetEnv: Record<string, string>;
  /**
   * argv + env for starting a debuggee. `env` (the launch config's) wins over the target's env,
   * which wins over kmirror-dap's own environment. `excludePorts` are never trapped (debugger ports).
   */
  wrap(argv: string[], opts?: { env?: Record<string, string>; excludePorts?: number[] }): WrappedCommand;
  /** Status for the `kmirror/status` event (agent ready, subscriptions, traffic counters). */
  status(): Record<string, unknown>;
  /** A connected target's processes (remote attach); absent without a target. */
  readonly remote?: RemoteProcessAccess;
  /** Notifies when status() changes (agent lost, new subscription). */
  onDidChangeStatus?(listener: () => void): void;
  close(): Promise<void>;
}

/** A Node inspector opened in the target and held for this session (release() lets others attach). */
export interface RemoteInspector {
  /** The process, by its pid inside the target's PID namespace. */
  readonly pid: number;
  readonly command: string;
  /** The inspector's port on the target's loopback. */
  readonly port: number;
  readonly alreadyOpen: boolean;
  release(): void;
}

/** A container instance of the target, or that its pod is gone (404) or going (deletionTimestamp). */
export interface TargetIdentity {
  pod: string;
  uid?: string;
  containerId?: string;
  deleting?: boolean;
  deleted?: boolean;
  /** The target container's name, restart count, whether it runs now, and how its last instance ended. */
  container?: string;
  restartCount?: number;
  running?: boolean;
  lastExit?: ContainerExit;
}

/** How a container instance ended (its pod status: exit code, reason such as Error or OOMKilled, signal). */
export interface ContainerExit {
  exitCode?: number;
  reason?: string;
  signal?: number;
}

/** A process of the target checked for a debugger kind and held for this session (release() lets others attach). */
export interface RemoteHeldProcess {
  /** The process, by its pid inside the target's PID namespace. */
  readonly pid: number;
  readonly command: string;
  /** What the agent's check found (e.g. "Go executable /app/server"). */
  readonly detail: string;
  release(): void;
}

/** A debugger container placed in the target pod, listening on the pod's loopback. */
export interface RemoteDebugger {
  readonly container: string;
  readonly image: string;
  readonly host: string;
  readonly port: number;
}

/** What remote attach reaches through the target's agent. */
export interface RemoteProcessAccess {
  /** The target as the user named it (deploy/web, pid/N). */
  readonly target: string;
  /** SIGUSR1 to process `pid` (0: the target's main process), then waits for its inspector. */
  openNodeInspector(opts: { pid: number; port?: number }): Promise<RemoteInspector>;
  /** Checks that process `pid` (0: the target's main process) is a `debugger` program and holds it for this session; nothing is placed yet. */
  holdProcess(opts: { pid: number; debugger: 'go' | 'python' }): Promise<RemoteHeldProcess>;
  /** Places the debugger container in the target pod (sharing the target container's PID namespace) and waits until it listens; `args` follow its command (Python: --pid N). */
  startDebugger(kind: 'go' | 'python', timeoutMs: number, args?: string[]): Promise<RemoteDebugger>;
  /** A TCP connection made inside the target (its 127.0.0.1 included). */
  connect(host: string, port: number): Promise<import('node:stream').Duplex>;
  /** The target container's probe settings in words (Kubernetes targets), else undefined. */
  probes(): Promise<string | undefined>;
  /** The target container instance now (Kubernetes targets: pod uid, container id), else undefined. */
  identity?(): Promise<TargetIdentity | undefined>;
}

/**
 * How a backend makes the processes it starts its own, so that they end with kmirror-dap however
 * it ends: spawn with `spawnOptions` (a session of their own), then `own` the child. The server
 * hands over its process lifetime; backends never reach for it themselves.
 */
export interface ProcessOwner {
  readonly spawnOptions: { readonly detached: boolean };
  own<T extends ChildProcess>(child: T): T;
}

export type BackendLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type BackendLogTag = 'backend' | 'backend.send' | 'backend.receive';

/** The logger a backend receives: the server's logger, limited to the backend tags. A message given
 * as a function is formatted only when the line is written (full DAP traffic at debug level). */
export interface BackendLogger {
  log(level: BackendLogLevel, tag: BackendLogTag, message: string | (() => string), data?: unknown): void;
}
