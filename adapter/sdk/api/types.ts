// Public types of the headless debugging API (`import { debugSession } from 'kmirror'`).
import type { AdapterSpec } from './adapter-process.js';

/** The `kmirror` launch configuration (the fields kmirror-dap documents; extra keys pass through). */
export interface KmirrorLaunchArguments {
  /** Target whose network, DNS, files and env the program gets: pod/x, deploy/x, pid/N, netns/NAME, targetless. */
  target?: string;
  /** go, python, node, lldb, dotnet; chosen from the program when absent. */
  debugger?: string;
  program?: string;
  args?: string[];
  cwd?: string;
  env?: Record<string, string>;
  stopOnEntry?: boolean;
  /** The same settings as a .kmirror.json file. */
  kmirror?: Record<string, unknown>;
  configFile?: string;
  /** Trace gadgets (tcp, dns, exec, open) whose events arrive as output of category `kmirror-trace`. */
  trace?: string[];
  [key: string]: unknown;
}

/** A source breakpoint; `logMessage` makes it a logpoint (prints, never stops). */
export interface BreakpointSpec {
  file: string;
  line: number;
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}

/** What the adapter made of a requested breakpoint. */
export interface BreakpointState {
  spec: BreakpointSpec;
  id?: number;
  verified: boolean;
  line?: number;
  message?: string;
}

export interface DebugSessionOptions {
  launch: KmirrorLaunchArguments;
  breakpoints?: BreakpointSpec[];
  /** Defaults to kmirror-dap on stdio (see defaultAdapterSpec). */
  adapter?: AdapterSpec;
  /** `launch` (default) or `attach`. */
  request?: 'launch' | 'attach';
  /** Deadline for each ordinary request (default 30 s). */
  requestTimeoutMs?: number;
  /** Deadline for the launch itself: agent start, build, debugger start (default 120 s). */
  launchTimeoutMs?: number;
  /** Evaluate context (default `repl`, which gives the fullest values with dlv and debugpy). */
  evaluateContext?: 'repl' | 'watch' | 'hover' | 'clipboard';
  /** Program and adapter output (`output` events), e.g. to forward stdout/stderr; `data` is the event's structured body (trace events carry one). */
  onOutput?: (category: string, text: string, data?: unknown) => void;
  /** Non-protocol events (e.g. `kmirror/status`, `progressStart`), for logging. */
  onEvent?: (event: string, body: unknown) => void;
  /** Receives every DAP message as a `--> json` / `<-- json` line. */
  trace?: (line: string) => void;
}

/** One stop of the debuggee; the top frame is resolved so that values can be evaluated at once. */
export interface Stop {
  /** DAP stop reason: breakpoint, step, exception, pause, entry... */
  readonly reason: string;
  readonly threadId: number;
  readonly frameId: number | undefined;
  readonly function: string | undefined;
  readonly file: string | undefined;
  readonly line: number | undefined;
  /** The requested breakpoints this stop belongs to (matched by id, else by file and line). */
  readonly breakpoints: BreakpointSpec[];
  /** Evaluates in the top frame; rejects with the adapter's message when it fails. */
  evaluate(expression: string): Promise<string>;
  /** Resumes the debuggee (also done implicitly when iteration moves to the next stop). */
  continue(): Promise<void>;
}

export interface SessionEnd {
  /** `exited`: the program ended (exitCode set); `terminated`: the adapter ended the session; `closed`: close() or the adapter went away. */
  reason: 'exited' | 'terminated' | 'closed';
  exitCode?: number;
  /** Set when the adapter went away unexpectedly (with its last stderr lines). */
  error?: string;
}

export interface DebugSession extends AsyncIterable<Stop> {
  readonly breakpoints: readonly BreakpointState[];
  /** Resolves when the session is over (program exited, adapter terminated or closed). */
  readonly ended: Promise<SessionEnd>;
  /** Async iteration over stops; leaving a stop without continue() continues it. */
  stops(): AsyncIterableIterator<Stop>;
  /** Disconnects (terminating the debuggee unless told otherwise) and stops the adapter. */
  close(opts?: { terminateDebuggee?: boolean }): Promise<SessionEnd>;
  /** Sends a custom request (e.g. `kmirror/replay`) and resolves with its response body. */
  customRequest(command: string, args?: unknown, timeoutMs?: number): Promise<unknown>;
}
