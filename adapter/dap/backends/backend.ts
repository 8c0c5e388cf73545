// The one interface every debugger backend implements. The session tries the registered backends
// in turn (an explicit `debugger` field picks by kind; otherwise the first whose `claims` is true),
// so adding a runtime adds a module to the registry and never edits a central switch; the list of
// debugger kinds (launch field `debugger`, its schema, `kmirror-dap run --debugger`) follows from it.
//
// Lifecycle: `start` spawns/connects the debugger and initializes it (capabilities known);
// `launch` performs the launch or attach and resolves with the debugger's launch response body
// (for debugpy only after configurationDone); `request` forwards any other DAP request; `dispose`
// kills every process the backend started. Events and reverse requests go out through `sink`.
import type { Readable } from 'node:stream';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { BackendLaunchConfig, BackendLogger, DebuggeeLayer, ProcessOwner } from './contract.js';

export interface BackendSink {
  /** Sends an event to the client (seq is renumbered by the connection). */
  event(event: string, body?: unknown): void;
  /** Sends a reverse request (runInTerminal, startDebugging) to the client. */
  reverseRequest(command: string, args: unknown): Promise<DebugProtocol.Response>;
  /** The debugger ended unexpectedly (crash, killed): the session reports exited/terminated. */
  crashed(reason: string): void;
  /**
   * Forwards a stream of the program's output as `output` events of `category`; `exited` and
   * `terminated` wait until it is delivered. `endsWithProgram`: the stream ends when the program
   * exits (false when a debugger that lives on shares it, as dlv's stdout). `transform` may drop text.
   */
  pipeOutput(stream: Readable, category: 'stdout' | 'stderr', opts: { endsWithProgram: boolean; transform?: (text: string) => string }): void;
}

export interface BackendContext {
  readonly config: BackendLaunchConfig;
  readonly clientCapabilities: DebugProtocol.InitializeRequestArguments;
  /** Starts debuggee processes under the layer (or plainly when there is no target). */
  readonly layer: DebuggeeLayer;
  /** Every process the backend starts (debugger, debuggee, build) is spawned and owned through it. */
  readonly processes: ProcessOwner;
  readonly sink: BackendSink;
  readonly log: BackendLogger;
}

export interface BackendSession {
  readonly capabilities: DebugProtocol.Capabilities;
  launch(): Promise<unknown>;
  request(command: string, args: Record<string, unknown>): Promise<unknown>;
  dispose(): Promise<void>;
}

/** `Kind` is the value of the launch field `debugger` that picks this backend (the registry derives the list). */
export interface DebugBackend<Kind extends string = string> {
  readonly kind: Kind;
  /** True when this backend is the natural debugger for the config's program. */
  claims(config: BackendLaunchConfig): boolean;
  start(ctx: BackendContext): Promise<BackendSession>;
}
