// One debug session: the state machine between a DAP client connection and one backend.
//
// Lifecycle: initialize (kmirror-dap answers with its own capabilities; the backend's arrive later
// as a `capabilities` event) → launch/attach (pick backend, open the target layer with progress
// events, start the debugger, forward the translated launch; other requests run concurrently so
// debugpy's late launch response cannot deadlock) → forwarded requests (each answered within a bound
// even when the debugger never answers: answer-bound.ts) → disconnect (backend
// disconnect with a deadline, `terminated`/`exited` held back until after the response because
// editors waiting for that response hang otherwise, then every process is stopped).
// A debugger that dies on its own yields `exited` + `terminated` and a clean adapter.
// Output first: the program's output streams kmirror-dap reads itself are delivered before
// `exited`/`terminated` (output-barrier.ts); events after an exit wait in order behind it.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { BackendSession, DebugBackend } from '../backends/backend.js';
import { isKnownCommand } from './dap-commands.js';
import { DapConnection, ThenAfter, type RequestHandler } from './connection.js';
import { DapError, withTimeout } from '../common/errors.js';
import { directLayer, type ServerLayer } from './layer.js';
import { validateLaunchConfig, type KmirrorLaunchConfig } from './launch-config.js';
import type { DapLogger } from './log.js';
import { argumentProblem } from './request-arguments.js';
import { AnswerBound } from './answer-bound.js';
import { unannouncedCapability } from './capability-gate.js';
import { admits, stateAfterEvent, stateAfterRequest, type SessionState } from './session-state.js';
import { OWNED_SPAWN_OPTIONS, ownProcess } from './process-lifetime.js';
import { selectBackend } from './select-backend.js';
import { openTargetLayer } from './target-layer.js';
import { startTargetProgress } from './target-progress.js';
import { OutputBarrier } from './output-barrier.js';
import { KMIRROR_RECORDING, KMIRROR_REPLAY, listRecording, startReplay, type KmirrorReplayArguments } from './replay-request.js';
import { TraceForwarder } from './trace-forwarder.js';
import { SnapshotSink } from '../backends/snapshot/snapshot-sink.js';
import type { BackendSink } from '../backends/backend.js';
import type { Readable } from 'node:stream';

const DISCONNECT_TIMEOUT_MS = 5_000;

export interface SessionOptions {
  /** Default target from `kmirror-dap --target`; the launch config's `target` overrides it. */
  defaultTarget?: string;
  log: DapLogger;
  /** The debugger backends to choose from (the registry, handed over by main.ts). */
  backends: readonly DebugBackend[];
}

/** Capabilities kmirror-dap answers before it knows the backend; the backend's follow as an event. */
const INITIAL_CAPABILITIES: DebugProtocol.Capabilities = {
  supportsConfigurationDoneRequest: true,
  supportsConditionalBreakpoints: true,
  supportsHitConditionalBreakpoints: true,
  supportsLogPoints: true,
  supportsEvaluateForHovers: true,
  supportsSetVariable: true,
  supportsTerminateRequest: true,
  supportsExceptionInfoRequest: true,
  exceptionBreakpointFilters: [],
};

export class DebugSession {
  private state: SessionState = 'initializing';
  private clientCapabilities: DebugProtocol.InitializeRequestArguments = { adapterID: 'kmirror' };
  private backend: BackendSession | undefined;
  /** Answers what the debugger leaves unanswered (answer-bound.ts); set once a backend is chosen. */
  private answers: AnswerBound | undefined;
  private layer: ServerLayer = directLayer();
  /** Launch field `trace`: the target's gadgets streamed to the client while the session runs. */
  private trace: TraceForwarder | undefined;
  private heldEvents: Array<[string, unknown]> | undefined;
  private sentExited = false;
  private sentTerminated = false;
  private backendStarted = false;
  private configurationDoneSent = false;
  private endListeners: Array<() => void> = [];
  private readonly output = new OutputBarrier();
  /** Events waiting for the program's output to be delivered (set while a flush runs). */
  private afterOutput: Array<[string, unknown]> | undefined;
  private flushing: Promise<void> | undefined;
  /** Aborts a target connection still in progress when the client goes away. */
  private readonly abort = new AbortController();

  private readonly handlers: Record<string, RequestHandler> = {
    initialize: (args) => this.initialize(args as unknown as DebugProtocol.InitializeRequestArguments),
    launch: (args) => this.start('launch', args),
    attach: (args) => this.start('attach', args),
    disconnect: (args) => this.disconnect(args),
    'kmirror/status': () => this.layer.status(),
    [KMIRROR_RECORDING]: (args) => listRecording(args),
    [KMIRROR_REPLAY]: (args) =>
      startReplay(args as unknown as KmirrorReplayArguments, this.layer, {
        event: (event, body) => this.connection.sendEvent(event, body),
        output: (output) => this.connection.sendEvent('output', { category: 'console', output }),
      }),
  };

  constructor(private readonly connection: DapConnection, private readonly opts: SessionOptions) {
    connection.setRouter((command) => this.route(command));
    connection.onDidClose(() => void this.shutdown());
  }

  /** Called once the session is over (disconnect answered or client gone). */
  onDidEnd(listener: () => void): void {
    this.endListeners.push(listener);
  }

  get currentState(): SessionState {
    return this.state;
  }

  private route(command: string): RequestHandler | undefined {
    if (!isKnownCommand(command)) return undefined;
    return (args, request) => {
      const refusal = admits(this.state, command);
      if (refusal) throw new DapError('WRONG_STATE', `${command}: ${refusal} (session state: ${this.state})`);
      const own = Object.hasOwn(this.handlers, command) ? this.handlers[command] : undefined;
      if (own) return own(args, request);
      if (!this.backend) throw new DapError('WRONG_STATE', `${command}: the debugger is still starting`);
      const badArguments = argumentProblem(command, args);
      if (badArguments) throw new DapError('BAD_REQUEST', badArguments);
      const unsupported = unannouncedCapability(command, this.backend.capabilities, 'the debugger');
      if (unsupported) throw new DapError('NOT_SUPPORTED', unsupported);
      // A second configurationDone makes debugpy 1.6 exit (found by bench/fuzz-dap-live.ts).
      if (command === 'configurationDone' && this.configurationDoneSent) throw new DapError('WRONG_STATE', 'configurationDone was already sent');
      if (command === 'configurationDone') this.configurationDoneSent = true;
      const before = this.state;
      this.state = stateAfterRequest(before, command);
      const answer = this.bounded(command, args, this.backend.request(command, args));
      if (this.state === before) return answer;
      // Refused (a wrong thread id): still stopped, unless an event said otherwise meanwhile.
      return answer.catch((e: unknown) => { if (this.state === 'running') this.state = before; throw e; });
    };
  }

  /** The debugger's answer, or kmirror-dap's own error once its bound passes (answer-bound.ts). */
  private bounded<T>(command: string, args: Record<string, unknown>, answer: Promise<T>): Promise<T> {
    return this.answers ? this.answers.run(command, args, answer) : answer;
  }

  private initialize(args: DebugProtocol.InitializeRequestArguments): DebugProtocol.Capabilities {
    this.clientCapabilities = args;
    this.state = 'configuring';
    return INITIAL_CAPABILITIES;
  }

  private async start(request: 'launch' | 'attach', raw: Record<string, unknown>): Promise<unknown> {
    const config = validateLaunchConfig(request, raw, this.opts.backends.map((b) => b.kind));
    const backendModule = selectBackend(config, this.opts.backends);
    this.answers = new AnswerBound(backendModule.kind, config.answerTimeoutMs,
      (output) => this.connection.sendEvent('output', { category: 'important', output }),
      (text) => this.opts.log.log('info', 'backend', text));
    this.state = 'launching';
    try {
      this.layer = await this.openLayer(config);
      if (request === 'attach' && this.layer.remote && config.host === undefined && config.port === undefined && !['node', 'go', 'python'].includes(backendModule.kind)) {
        throw new DapError('NOT_SUPPORTED', `attach to a process in ${this.layer.remote.target}: "debugger": "${backendModule.kind}" cannot attach there; "node", "go" and "python" (a program started with debugpy --listen) can`);
      }
      if (config.followRestarts && (!this.layer.remote || !['node', 'go'].includes(backendModule.kind) || config.host !== undefined || (backendModule.kind === 'go' && config.port !== undefined))) {
        throw new DapError('NOT_SUPPORTED', `launch configuration field "followRestarts": following a restarted container is built for "debugger": "node" and "go" attached to a process in a pod${this.layer.remote ? '' : ' (this attach has no target)'}; remove it (the session then ends naming the restart; attach again)`);
      }
      if (config.trace) await this.startTrace(config);
      const sink: BackendSink = {
        event: (event, body) => this.onBackendEvent(event, body),
        reverseRequest: (command, args) => this.connection.sendRequest(command, args),
        crashed: (reason) => this.onBackendCrash(reason),
        pipeOutput: (stream, category, opts) => this.pipeOutput(stream, category, opts),
      };
      // Snapshot mode: breakpoint stops become snapshots between the backend and the client.
      const snapshots = config.nonBreaking ? new SnapshotSink(sink, this.opts.log) : undefined;
      const starting = backendModule.start({
        config,
        clientCapabilities: this.clientCapabilities,
        layer: this.layer,
        processes: { spawnOptions: OWNED_SPAWN_OPTIONS, own: ownProcess },
        log: this.opts.log,
        sink: snapshots ?? sink,
      });
      // A debugger that never finishes starting (no answer to initialize) is bounded like launch; if it comes later, it is stopped.
      this.backend = await this.bounded(request, raw, starting).catch((e: unknown) => {
        void starting.then((late) => late.dispose(), () => undefined);
        throw e;
      });
      snapshots?.bind(this.backend);
      this.backendStarted = true;
      // `initialize` promised terminate before the debugger was known; dlv answers it "Not yet implemented",
      // so say so explicitly (a missing key changes nothing) and clients stop with `disconnect` instead.
      const supportsTerminateRequest = this.backend.capabilities.supportsTerminateRequest === true;
      this.connection.sendEvent('capabilities', { capabilities: { ...this.backend.capabilities, supportsTerminateRequest } });
      const body = await this.bounded(request, raw, this.backend.launch());
      if (this.state === 'launching') this.state = 'running';
      return body;
    } catch (e) {
      await this.stopTrace();
      await this.releaseBackend();
      if (this.state === 'launching') this.state = 'configuring';
      throw e;
    }
  }

  /** Without a target: the direct layer. With one: the workstation session, with progress events. */
  private async openLayer(config: KmirrorLaunchConfig): Promise<ServerLayer> {
    const { defaultTarget } = this.opts;
    if (!config.target && !config.configFile && !config.kmirror && !defaultTarget) return directLayer();
    // Precedence (resolved in openTargetLayer): launch `target` > the settings' target > --target.
    const target = config.target ?? defaultTarget;
    const progress = startTargetProgress(this.connection, {
      config, clientSupportsProgress: this.clientCapabilities.supportsProgressReporting === true, target: target ?? 'target',
    });
    let layer: ServerLayer;
    try {
      layer = await openTargetLayer({
        config, ...(defaultTarget ? { defaultTarget } : {}), log: this.opts.log, signal: this.abort.signal,
        onStatus: (message) => progress.update(message),
      });
    } catch (e) {
      progress.end(false, e instanceof Error ? e.message : String(e));
      throw e;
    }
    progress.end(true, `connected to ${layer.status().target ?? target ?? 'the target'}`);
    this.connection.sendEvent('kmirror/status', layer.status());
    layer.onDidChangeStatus?.(() => this.connection.sendEvent('kmirror/status', layer.status()));
    return layer;
  }

  private async startTrace(config: KmirrorLaunchConfig): Promise<void> {
    if (!this.layer.active) throw new DapError('BAD_LAUNCH_FIELD', 'launch configuration field "trace" needs a target to trace: set "target" (or start kmirror-dap with --target)');
    this.trace = new TraceForwarder((event, body) => this.connection.sendEvent(event, body), config.traceOutput ?? 'debugConsole');
    await this.trace.start(this.layer, config.trace ?? []);
  }

  private async stopTrace(): Promise<void> {
    const trace = this.trace;
    this.trace = undefined;
    await trace?.close();
  }

  private pipeOutput(stream: Readable, category: string, opts: { endsWithProgram: boolean; transform?: (text: string) => string }): void {
    this.output.track(stream, opts.endsWithProgram);
    stream.on('data', (d: Buffer) => {
      const text = opts.transform ? opts.transform(d.toString()) : d.toString();
      if (text) this.connection.sendEvent('output', { category, output: text });
    });
  }

  /** Output goes out at once; an exit (and what follows it) waits until the program's output is delivered. */
  private onBackendEvent(event: string, body: unknown): void {
    if (event !== 'output' && (this.afterOutput || event === 'exited' || event === 'terminated')) {
      if (!this.afterOutput) {
        const queue: Array<[string, unknown]> = [];
        this.afterOutput = queue;
        this.flushing = this.output.flushed().then(() => {
          this.afterOutput = undefined;
          this.flushing = undefined;
          for (const [e, b] of queue) this.deliver(e, b);
        });
      }
      this.afterOutput.push([event, body]);
      return;
    }
    this.deliver(event, body);
  }

  private deliver(event: string, body: unknown): void {
    if (this.heldEvents && (event === 'terminated' || event === 'exited')) {
      this.heldEvents.push([event, body]);
      return;
    }
    this.emitTracked(event, body);
  }

  private emitTracked(event: string, body: unknown): void {
    if (event === 'exited') this.sentExited = true;
    if (event === 'terminated') this.sentTerminated = true;
    const next = stateAfterEvent(this.state, event);
    if (next) this.state = next;
    this.connection.sendEvent(event, body);
  }

  private onBackendCrash(reason: string): void {
    this.opts.log.log('warn', 'backend', reason);
    this.connection.sendEvent('output', { category: 'important', output: `kmirror-dap: ${reason}\n` });
    const report = (): void => {
      if (!this.sentExited) this.emitTracked('exited', { exitCode: 1 });
      if (!this.sentTerminated) this.emitTracked('terminated', {});
    };
    if (this.flushing) void this.flushing.then(report);
    else report();
    void this.releaseBackend();
  }

  private async disconnect(args: Record<string, unknown>): Promise<ThenAfter> {
    this.heldEvents = [];
    if (this.state !== 'terminated') this.state = 'terminating';
    if (this.backend) {
      try {
        await withTimeout(this.backend.request('disconnect', args), DISCONNECT_TIMEOUT_MS, 'debugger disconnect');
      } catch (e) {
        this.opts.log.log('warn', 'backend', `disconnect: ${(e as Error).message}`);
      }
    }
    await this.releaseBackend();
    await this.stopTrace();
    await this.layer.close();
    await this.flushing; // an exit read during the disconnect joins the held events
    const held = this.heldEvents;
    this.heldEvents = undefined;
    this.state = 'terminated';
    return new ThenAfter(undefined, () => {
      for (const [event, body] of held) this.emitTracked(event, body);
      // Every backend ends with `terminated` after disconnect (dlv and lldb do, debugpy and the bridge may not).
      if (!this.sentTerminated && this.backendStarted) this.emitTracked('terminated', {});
      this.end();
    });
  }

  private async releaseBackend(): Promise<void> {
    const backend = this.backend;
    this.backend = undefined;
    await backend?.dispose();
  }

  /** Client gone without disconnect: stop everything. */
  private async shutdown(): Promise<void> {
    this.abort.abort();
    await this.releaseBackend();
    await this.stopTrace();
    await this.layer.close();
    this.state = 'terminated';
    this.end();
  }

  private end(): void {
    const listeners = this.endListeners;
    this.endListeners = [];
    for (const l of listeners) l();
  }
}
