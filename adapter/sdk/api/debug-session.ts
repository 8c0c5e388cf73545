// Headless debugging session: spawns (or dials) a debug adapter — kmirror-dap by default —, runs
// the DAP start sequence, and exposes the debuggee's stops as an async iterable.
//
// Start sequence (as VS Code does it): initialize → launch (not awaited: debugpy answers only after
// configurationDone) → wait for `initialized` → setBreakpoints per file → setExceptionBreakpoints
// (when the adapter offers filters) → configurationDone → the launch response.
// Lifecycle: `stopped` events queue up; iteration takes them in order and continues the previous
// stop first. `exited` records the exit code; `terminated`, or the adapter going away, ends it,
// and an ended session disconnects and releases its adapter by itself.
import { resolve as resolvePath } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DapClient } from './dap-client.js';
import { defaultAdapterSpec, openAdapter, type AdapterConnection } from './adapter-process.js';
import { groupByFile, matchStopBreakpoints } from './breakpoints.js';
import type { BreakpointState, DebugSession, DebugSessionOptions, SessionEnd, Stop } from './types.js';

/** Starts a headless session and resolves once the program runs with its breakpoints set. */
export async function debugSession(opts: DebugSessionOptions): Promise<DebugSession> {
  const requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
  const connection = await openAdapter(opts.adapter ?? defaultAdapterSpec(), requestTimeoutMs);
  const client = new DapClient(connection.input, connection.output, { requestTimeoutMs, trace: opts.trace });
  const session = new HeadlessSession(client, connection, opts);
  try {
    await session.start();
  } catch (e) {
    await session.close();
    throw e;
  }
  return session;
}

class HeadlessSession implements DebugSession {
  breakpoints: BreakpointState[] = [];
  readonly ended: Promise<SessionEnd>;
  private endSession!: (end: SessionEnd) => void; // assigned synchronously by the Promise constructor
  private end: SessionEnd | undefined;
  private exitCode: number | undefined;
  private readonly queue: DebugProtocol.StoppedEvent['body'][] = [];
  private wake: (() => void) | undefined;
  private current: SessionStop | undefined;
  private capabilities: DebugProtocol.Capabilities = {};

  constructor(
    private readonly client: DapClient,
    private readonly connection: AdapterConnection,
    private readonly opts: DebugSessionOptions,
  ) {
    this.ended = new Promise((resolve) => (this.endSession = resolve));
    client.on('event', (event) => this.onEvent(event));
    client.on('close', (reason) => {
      const tail = connection.stderrTail();
      this.finish({ reason: 'closed', error: tail ? `${reason}\n${tail}` : reason });
    });
    void connection.gone.then(() => client.close('the debug adapter exited'));
  }

  async start(): Promise<void> {
    const { client, opts } = this;
    this.capabilities =
      (await client.request<DebugProtocol.Capabilities>('initialize', {
        clientID: 'kmirror-headless',
        clientName: 'kmirror headless',
        adapterID: 'kmirror',
        pathFormat: 'path',
        linesStartAt1: true,
        columnsStartAt1: true,
        supportsVariableType: true,
        supportsRunInTerminalRequest: false,
        supportsProgressReporting: true,
      })) ?? {};
    const initialized = this.nextEvent('initialized');
    const launchTimeoutMs = opts.launchTimeoutMs ?? 120_000;
    const launched = client.request(opts.request ?? 'launch', { type: 'kmirror', ...opts.launch }, launchTimeoutMs);
    // A launch that fails before `initialized` must end the wait, not leave it hanging.
    await withDeadline(
      Promise.race([initialized, launched.then(() => initialized)]),
      launchTimeoutMs,
      `the debug adapter sent no initialized event within ${launchTimeoutMs} ms`,
    );
    await this.setBreakpoints();
    if (this.capabilities.exceptionBreakpointFilters?.length) {
      await client.request('setExceptionBreakpoints', { filters: [] });
    }
    if (this.capabilities.supportsConfigurationDoneRequest) await client.request('configurationDone', {});
    await launched;
  }

  private async setBreakpoints(): Promise<void> {
    for (const [file, specs] of groupByFile(this.opts.breakpoints ?? [], this.opts.launch.cwd)) {
      const body = await this.client.request<DebugProtocol.SetBreakpointsResponse['body']>('setBreakpoints', {
        source: { path: file, name: file.split('/').pop() },
        breakpoints: specs.map((s) => ({
          line: s.line,
          condition: s.condition,
          hitCondition: s.hitCondition,
          logMessage: s.logMessage,
        })),
      });
      specs.forEach((spec, i) => {
        const bp = body?.breakpoints?.[i];
        this.breakpoints.push({ spec, id: bp?.id, verified: bp?.verified ?? false, line: bp?.line, message: bp?.message });
      });
    }
  }

  private nextEvent(name: string): Promise<DebugProtocol.Event> {
    return new Promise((resolve, reject) => {
      const onEvent = (e: DebugProtocol.Event) => {
        if (e.event !== name) return;
        this.client.off('event', onEvent);
        resolve(e);
      };
      this.client.on('event', onEvent);
      void this.ended.then((end) => reject(new Error(`the session ended before ${name}: ${end.error ?? end.reason}`)));
    });
  }

  private onEvent(event: DebugProtocol.Event): void {
    switch (event.event) {
      case 'stopped':
        this.queue.push((event as DebugProtocol.StoppedEvent).body);
        this.wake?.();
        return;
      case 'exited':
        this.exitCode = (event as DebugProtocol.ExitedEvent).body.exitCode;
        return;
      case 'terminated':
        this.finish(this.exitCode === undefined ? { reason: 'terminated' } : { reason: 'exited', exitCode: this.exitCode });
        return;
      case 'output': {
        const body = (event as DebugProtocol.OutputEvent).body;
        this.opts.onOutput?.(body.category ?? 'console', body.output, body.data);
        return;
      }
      default:
        this.opts.onEvent?.(event.event, event.body);
    }
  }

  private finish(end: SessionEnd): void {
    if (this.end) return;
    // An `exited` event that arrived before the adapter went away still tells how the program ended.
    if (end.reason === 'closed' && this.exitCode !== undefined) end = { reason: 'exited', exitCode: this.exitCode };
    this.end = end;
    this.endSession(end);
    this.wake?.();
    // The adapter has nothing left to do: release it so that no process or pipe outlives the session.
    if (end.reason !== 'closed') void this.close({ terminateDebuggee: false });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Stop> {
    return this.stops();
  }

  async *stops(): AsyncIterableIterator<Stop> {
    for (;;) {
      if (this.current && !this.current.continued && !this.end) await this.current.continue();
      this.current = undefined;
      const body = await this.takeStop();
      if (!body) return;
      this.current = await this.resolveStop(body);
      yield this.current;
    }
  }

  private async takeStop(): Promise<DebugProtocol.StoppedEvent['body'] | undefined> {
    while (this.queue.length === 0 && !this.end) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    return this.queue.shift();
  }

  private async resolveStop(body: DebugProtocol.StoppedEvent['body']): Promise<SessionStop> {
    const threadId = body.threadId ?? (await this.firstThreadId());
    const trace = await this.client.request<DebugProtocol.StackTraceResponse['body']>('stackTrace', {
      threadId,
      startFrame: 0,
      levels: 1,
    });
    const frame = trace?.stackFrames?.[0];
    const file = frame?.source?.path ? resolvePath(frame.source.path) : frame?.source?.name;
    return createStop(this.client, this.opts.evaluateContext ?? 'repl', {
      reason: body.reason,
      threadId,
      frameId: frame?.id,
      function: frame?.name,
      file,
      line: frame?.line,
      breakpoints: matchStopBreakpoints(this.breakpoints, body.hitBreakpointIds, file, frame?.line),
    });
  }

  private async firstThreadId(): Promise<number> {
    const threads = await this.client.request<DebugProtocol.ThreadsResponse['body']>('threads');
    const first = threads?.threads?.[0];
    if (!first) throw new Error('the debuggee stopped but the adapter reports no threads');
    return first.id;
  }

  customRequest(command: string, args?: unknown, timeoutMs?: number): Promise<unknown> {
    return this.client.request(command, args, timeoutMs);
  }

  async close(opts: { terminateDebuggee?: boolean } = {}): Promise<SessionEnd> {
    if (!this.client.closed) {
      try {
        await this.client.request('disconnect', { terminateDebuggee: opts.terminateDebuggee ?? true }, 10_000);
      } catch {
        // The adapter may exit before it answers disconnect; disposing below ends it either way.
      }
    }
    await this.connection.dispose();
    this.client.close('closed by the client');
    this.finish({ reason: 'closed' });
    return this.ended;
  }
}

/** Rejects with `message` unless `promise` settles within `ms`. */
async function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A Stop whose continue() is sent at most once; `continued` tells whether it has been. */
interface SessionStop extends Stop {
  readonly continued: boolean;
}

function createStop(client: DapClient, context: string, fields: Omit<Stop, 'evaluate' | 'continue'>): SessionStop {
  let continued = false;
  return {
    ...fields,
    get continued() { return continued; },
    async evaluate(expression: string): Promise<string> {
      const body = await client.request<DebugProtocol.EvaluateResponse['body']>('evaluate', { expression, frameId: fields.frameId, context });
      return body?.result ?? '';
    },
    async continue(): Promise<void> {
      if (continued) return;
      continued = true;
      await client.request('continue', { threadId: fields.threadId });
    },
  };
}
