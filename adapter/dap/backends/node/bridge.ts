// The Node bridge session: DAP requests translated to the inspector's CDP (one thread, id 1).
// Concurrency: CDP events arrive in order on one socket; a pause is handled to completion
// (logpoints, hit counts, source-map instrumentation) before the `stopped` event is sent, and
// variable handles and frame ids are valid only until the next resume. Every request is answered:
// each CDP command has a deadline (cdp-client.ts) and each request one more (REQUEST_TIMEOUT_MS);
// requests that need a stopped program are refused while it runs; an evaluate the program paused
// inside is answered when that stop is reported (evaluate.ts).
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { BackendContext, BackendSession } from '../backend.js';
import type { DebuggerProcess } from '../debugger-process.js';
import { BreakpointManager } from './breakpoints.js';
import { COMMAND_TIMEOUT_MS, type CdpClient } from './cdp-client.js';
import { logMessageExpression } from './hit-condition.js';
import { ScriptRegistry, type ScriptParsed } from './scripts.js';
import { scopes, stackTrace, type CallFrame } from './stack.js';
import { formatValue, indexedCount, typeName, type RemoteObject } from './remote-object.js';
import { VariableStore } from './variables.js';
import { DapError } from '../../common/errors.js';
import type { RemoteInspector } from '../contract.js';
import type { PathMapping } from './path-mapping.js';
import { runHandler, type DapHandlerTable } from '#sdk/protocol/dap-requests.js';
import { performance } from 'node:perf_hooks';
import { SnapshotMode } from './snapshot-mode.js';
import { Evaluator } from './evaluate.js';

/** Longest a request waits for the inspector in all (a request may send several commands). */
const REQUEST_TIMEOUT_MS = COMMAND_TIMEOUT_MS + 5_000;

interface Paused {
  callFrames: CallFrame[];
  reason: string;
  data?: RemoteObject & { scriptId?: string };
  hitBreakpoints?: string[];
}

const CAPABILITIES: DebugProtocol.Capabilities = {
  supportsConfigurationDoneRequest: true, supportsConditionalBreakpoints: true, supportsHitConditionalBreakpoints: true,
  supportsLogPoints: true, supportsEvaluateForHovers: true, supportsSetVariable: true, supportsTerminateRequest: true,
  supportsExceptionInfoRequest: true, supportsDelayedStackTraceLoading: true,
  exceptionBreakpointFilters: [
    { filter: 'all', label: 'Caught Exceptions', default: false },
    { filter: 'uncaught', label: 'Uncaught Exceptions', default: false },
  ],
};

export class NodeBridge implements BackendSession {
  readonly capabilities = CAPABILITIES;
  private readonly scripts: ScriptRegistry;
  private readonly breakpoints: BreakpointManager;
  private readonly variables: VariableStore;
  private paused: Paused | undefined;
  private entryPending: boolean;
  private lastAction: 'step' | 'pause' | undefined;
  /** A pause request not yet answered by a stop: a stop the bridge would resume by itself is reported instead. */
  private pauseRequested = false;
  private readonly evaluator: Evaluator;
  private pauseOnExceptions: 'none' | 'uncaught' | 'all' = 'none';
  private instrumentationId: string | undefined;
  private disposed = false;
  /** Snapshot mode (launch field `nonBreaking`). */
  private readonly snapshots: SnapshotMode | undefined;

  /** The requests the bridge answers, each typed by its command (DapRequests). */
  private readonly handlers: DapHandlerTable = {
    setBreakpoints: async (args) => {
      if (!args.source?.path) throw new DapError('BAD_REQUEST', 'setBreakpoints: source.path is required (the Node bridge sets breakpoints by file)');
      const breakpoints = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
      return { breakpoints: await this.breakpoints.set(args.source.path, breakpoints) };
    },
    setExceptionBreakpoints: async (args) => {
      const filters = args.filters ?? [];
      this.pauseOnExceptions = filters.includes('all') ? 'all' : filters.includes('uncaught') ? 'uncaught' : 'none';
      await this.cdp.send('Debugger.setPauseOnExceptions', { state: this.pauseOnExceptions });
      return {};
    },
    configurationDone: async () => {
      await this.syncInstrumentation();
      await this.cdp.send('Runtime.runIfWaitingForDebugger');
      return undefined;
    },
    threads: async () => ({ threads: [{ id: 1, name: 'main' }] }),
    stackTrace: async (args) => stackTrace(this.stoppedFrames('stackTrace'), args, this.scripts),
    scopes: async (args) => ({ scopes: scopes(this.frame(args.frameId), this.variables) }),
    variables: async (args) => ({ variables: await this.variables.variables(args) }),
    setVariable: async (args) => {
      const v = await this.variables.setVariable(args, (e) => this.evaluateRaw(e, this.paused ? 1 : undefined));
      return { value: v.value, type: v.type, variablesReference: v.variablesReference };
    },
    evaluate: async (args) => {
      const result = await this.evaluateRaw(args.expression, args.frameId);
      const v = this.variables.toVariable(args.expression, result, args.expression);
      return { result: v.value, type: typeName(result), variablesReference: v.variablesReference, ...(indexedCount(result) ? { indexedVariables: indexedCount(result) } : {}) };
    },
    exceptionInfo: async () => this.exceptionInfo(),
    source: async (args) => {
      const scriptId = this.scripts.scriptForReference(args.sourceReference);
      if (!scriptId) throw new DapError('BAD_REQUEST', `source: unknown sourceReference ${String(args.sourceReference)}`);
      const r = await this.cdp.send<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId });
      return { content: r.scriptSource, mimeType: 'text/javascript' };
    },
    continue: async () => { this.requirePaused('continue'); await this.resume(); return { allThreadsContinued: true }; },
    next: async () => this.step('next', 'Debugger.stepOver'),
    stepIn: async () => this.step('stepIn', 'Debugger.stepInto'),
    stepOut: async () => this.step('stepOut', 'Debugger.stepOut'),
    pause: async () => this.pause(),
    terminate: async () => { this.debuggee?.child.kill('SIGTERM'); },
    disconnect: async (args) => this.disconnect(args ?? {}),
  };

  /** `remote`: attached to a process in a target (the inspector held through its agent, paths mapped). */
  constructor(private readonly ctx: BackendContext, private readonly cdp: CdpClient, private readonly debuggee: DebuggerProcess | undefined,
    private readonly remote?: { inspector: RemoteInspector; mapping: PathMapping; endReason?: () => Promise<string>; onGone?: (endReason: () => Promise<string>) => void }) {
    this.entryPending = !!debuggee;
    this.scripts = new ScriptRegistry(ctx.log, remote?.mapping);
    this.variables = new VariableStore(cdp);
    this.evaluator = new Evaluator(cdp, (line) => ctx.sink.event('output', { category: 'console', output: `${line}\n` }));
    this.breakpoints = new BreakpointManager(cdp, this.scripts, (breakpoint) => ctx.sink.event('breakpoint', { reason: 'changed', breakpoint }), remote?.mapping);
    this.scripts.onScript((script) => void this.breakpoints.resolveFor(script).catch((e: unknown) => this.warn(`breakpoints for ${script.url}: ${(e as Error).message}`)));
    cdp.on('Debugger.scriptParsed', (p: ScriptParsed) => this.scripts.add(p));
    cdp.on('Debugger.breakpointResolved', (p: { breakpointId: string; location: { scriptId: string; lineNumber: number; columnNumber?: number } }) => this.breakpoints.onResolved(p.breakpointId, p.location));
    cdp.on('Debugger.paused', (p: Paused) => void this.onPaused(p).catch((e: unknown) => {
      this.warn(`pause: ${(e as Error).message}`);
      // Still stopped: say so rather than leave the program stopped without a word.
      if (this.cdp.isPaused && !this.paused && !this.cdp.isClosed) this.report(p, 'pause');
    }));
    // With --inspect-brk node waits for the debugger to leave after the program ends: leave.
    cdp.on('Runtime.executionContextDestroyed', () => { if (this.debuggee) this.cdp.close(); });
    this.snapshots = ctx.config.nonBreaking ? new SnapshotMode(cdp, this.scripts, this.breakpoints, ctx.sink, (m) => this.warn(m)) : undefined;
    cdp.on('Debugger.resumed', () => { this.paused = undefined; this.variables.clear(); });
    cdp.on('close', () => {
      remote?.inspector.release();
      if (this.debuggee || this.disposed) return;
      if (!remote?.endReason) return ctx.sink.event('terminated', {});
      // Following restarts: the owner re-attaches instead of ending the session.
      if (remote.onGone) return remote.onGone(remote.endReason);
      // Say why before ending: a deleted pod, a restarted container, or a lost tunnel.
      void remote.endReason().then((why) => {
        ctx.sink.event('output', { category: 'important', output: `kmirror-dap: session ended: ${why}\n` });
        ctx.sink.event('terminated', {});
      });
    });
    debuggee?.child.once('close', (code, signal) => {
      if (this.disposed) return;
      ctx.sink.event('exited', { exitCode: code ?? (signal ? 128 : 0) });
      ctx.sink.event('terminated', {});
    });
  }

  async launch(): Promise<unknown> {
    // Pipelined: the inspector answers Debugger.enable only after replaying every parsed script.
    await Promise.all([this.cdp.send('Runtime.enable'), this.cdp.send('Debugger.enable')]);
    if (this.debuggee) {
      this.ctx.sink.event('process', { name: this.ctx.config.program, systemProcessId: this.debuggee.pid, isLocalProcess: true, startMethod: 'launch' });
    } else if (this.remote) {
      this.ctx.sink.event('process', { name: this.remote.inspector.command, systemProcessId: this.remote.inspector.pid, isLocalProcess: false, startMethod: 'attach' });
    }
    this.ctx.sink.event('initialized');
    return undefined;
  }

  request(command: string, args: Record<string, unknown>): Promise<unknown> {
    const running = runHandler(this.handlers, command, args);
    if (!running) return Promise.reject(new DapError('NOT_SUPPORTED', `the Node bridge does not support ${command}`));
    // Each command is bounded already; a request that sends several (setBreakpoints) is bounded as a whole.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const waiting = this.cdp.waitingFor;
        reject(new DapError('TIMEOUT', `${command}: the Node inspector did not answer within ${REQUEST_TIMEOUT_MS} ms${waiting ? ` (still waiting for ${waiting})` : ''}`));
      }, REQUEST_TIMEOUT_MS);
    });
    return Promise.race([running, deadline]).finally(() => clearTimeout(timer));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.cdp.close();
    this.remote?.inspector.release();
    await this.debuggee?.stop();
  }

  private async disconnect(args: DebugProtocol.DisconnectArguments): Promise<void> {
    const kill = args.terminateDebuggee ?? !!this.debuggee;
    if (this.remote) await this.detachRemote();
    else if (!kill && this.paused) await this.resume().catch(() => undefined /* already running or gone */);
    if (!kill) await this.snapshots?.uninstall();
    this.disposed = true;
    this.cdp.close();
    if (kill) await this.debuggee?.stop();
  }

  /**
   * Leaves a process in the target as it was: running, no breakpoint, no exception pause.
   * Debugger.disable drops this session's breakpoints and resumes; the inspector stays open.
   */
  private async detachRemote(): Promise<void> {
    const step = (method: string, params: object = {}): Promise<unknown> => this.cdp.send(method, params).catch((e: unknown) => this.warn(`detach: ${(e as Error).message}`));
    if (this.paused) await step('Debugger.resume');
    await step('Debugger.setPauseOnExceptions', { state: 'none' });
    if (this.instrumentationId) await step('Debugger.removeBreakpoint', { breakpointId: this.instrumentationId });
    await this.breakpoints.removeAll();
    await this.snapshots?.uninstall();
    await step('Debugger.disable');
    this.remote?.inspector.release();
  }

  private frame(frameId: number | undefined): CallFrame {
    const frame = frameId ? this.paused?.callFrames[frameId - 1] : undefined;
    if (!frame) throw new DapError('BAD_REQUEST', `frame ${String(frameId)} is not valid (the program is ${this.paused ? 'paused elsewhere' : 'running'})`);
    return frame;
  }

  /** On a frame of the current stop, or (no frame given) in the global scope. */
  private async evaluateRaw(expression: string, frameId: number | undefined): Promise<RemoteObject> {
    if (frameId === undefined) return this.evaluator.global(expression);
    return this.evaluator.onFrame(this.frame(frameId), expression);
  }

  /** Frames of the reported stop; while the program runs there are none to show. */
  private stoppedFrames(command: string): CallFrame[] {
    if (!this.paused) throw new DapError('WRONG_STATE', `${command}: the program is running; its frames exist only while it is paused`);
    return this.paused.callFrames;
  }

  private requirePaused(command: string): void {
    if (!this.cdp.isPaused) throw new DapError('WRONG_STATE', `${command}: the program is running; pause it first`);
  }

  private async step(command: string, method: string): Promise<void> {
    this.requirePaused(command);
    this.leaveStop();
    this.lastAction = 'step';
    await this.cdp.send(method);
  }

  /** The program is let go: the stop's frames and handles are gone, a pause from now on is a new one. */
  private leaveStop(): void {
    this.paused = undefined;
    this.variables.clear();
  }

  /**
   * Already stopped: nothing to do (a Debugger.pause now would stop the program again right after
   * the next continue). Stopped but not reported yet: the bridge reports that stop instead of
   * resuming by itself (logpoint, hit count, source-map pause).
   */
  private async pause(): Promise<void> {
    if (this.cdp.isPaused && this.paused) return;
    this.pauseRequested = true;
    this.lastAction = 'pause';
    if (!this.cdp.isPaused) await this.cdp.send('Debugger.pause');
  }

  private async resume(): Promise<void> {
    this.leaveStop();
    this.lastAction = undefined;
    await this.cdp.send('Debugger.resume');
  }

  /** Pauses before scripts with source maps run while breakpoints wait for their map. */
  private async syncInstrumentation(): Promise<void> {
    if (this.breakpoints.hasPendingMapped && !this.instrumentationId) {
      const r = await this.cdp.send<{ breakpointId: string }>('Debugger.setInstrumentationBreakpoint', { instrumentation: 'beforeScriptWithSourceMapExecution' });
      this.instrumentationId = r.breakpointId;
    } else if (!this.breakpoints.hasPendingMapped && this.instrumentationId) {
      await this.cdp.send('Debugger.removeBreakpoint', { breakpointId: this.instrumentationId });
      this.instrumentationId = undefined;
    }
  }

  private async onPaused(p: Paused): Promise<void> {
    const hitAt = performance.now();
    if (p.reason === 'instrumentation') {
      const script = p.data?.scriptId ? await this.scripts.awaitMap(p.data.scriptId) : undefined;
      if (script) await this.breakpoints.resolveFor(script);
      await this.syncInstrumentation();
      if (this.pauseRequested) return this.report(p, 'pause');
      return this.cdp.send('Debugger.resume').then(() => undefined);
    }
    let reason: string;
    if (p.hitBreakpoints?.length) {
      this.entryPending = false;
      const decision = this.breakpoints.onHit(p.hitBreakpoints);
      for (const bp of decision.logpoints) await this.printLogpoint(p.callFrames[0], bp.logMessage ?? '', bp.path, bp.line);
      if (!decision.stop) return this.pauseRequested ? this.report(p, 'pause') : this.resume();
      if (this.snapshots) {
        this.lastAction = undefined;
        return this.snapshots.capture(p, hitAt);
      }
      reason = 'breakpoint';
    } else if (this.entryPending && p.reason === 'Break on start') {
      this.entryPending = false;
      // The main script is parsed but has not run: place breakpoints that wait for its source map.
      for (const script of await this.scripts.settled()) await this.breakpoints.resolveFor(script);
      if (!this.ctx.config.stopOnEntry && !this.pauseRequested) return this.resume();
      reason = this.ctx.config.stopOnEntry ? 'entry' : 'pause';
    } else if (p.reason === 'exception' || p.reason === 'promiseRejection') {
      reason = 'exception';
    } else {
      reason = this.lastAction ?? 'pause';
    }
    this.report(p, reason);
  }

  /** The program stays paused here: the client learns of it. */
  private report(p: Paused, reason: string): void {
    this.paused = p;
    this.pauseRequested = false;
    this.variables.clear();
    this.evaluator.stoppedIn(p.callFrames.map((f) => this.scripts.get(f.location.scriptId)?.url || f.url));
    this.ctx.sink.event('stopped', {
      reason, threadId: 1, allThreadsStopped: true,
      ...(reason === 'exception' ? { text: formatValue(p.data).split('\n')[0] } : {}),
    });
  }

  private async printLogpoint(frame: CallFrame | undefined, message: string, path: string, line: number): Promise<void> {
    let text: string;
    try {
      const r = await this.cdp.send<{ result: RemoteObject; exceptionDetails?: unknown }>('Debugger.evaluateOnCallFrame', { callFrameId: frame?.callFrameId, expression: logMessageExpression(message) });
      text = r.exceptionDetails ? `${message} (error: ${formatValue(r.result)})` : String(r.result.value ?? formatValue(r.result));
    } catch (e) {
      text = `${message} (error: ${(e as Error).message})`;
    }
    this.ctx.sink.event('output', { category: 'console', output: `${text}\n`, source: { path }, line });
  }

  private exceptionInfo(): DebugProtocol.ExceptionInfoResponse['body'] {
    const data = this.paused?.reason === 'exception' || this.paused?.reason === 'promiseRejection' ? this.paused.data : undefined;
    if (!data) throw new DapError('BAD_REQUEST', 'exceptionInfo: the program is not stopped at an exception');
    const description = formatValue(data);
    return {
      exceptionId: data.className ?? typeName(data), description: description.split('\n')[0],
      breakMode: this.pauseOnExceptions === 'all' ? 'always' : 'unhandled',
      details: { message: description.split('\n')[0], typeName: data.className, stackTrace: description },
    };
  }

  private warn(message: string): void {
    this.ctx.log.log('warn', 'backend', `node bridge: ${message}`);
  }
}
