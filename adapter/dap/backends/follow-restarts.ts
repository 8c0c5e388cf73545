// "followRestarts": a remote attach (Node, Go) that outlives its process. When the process goes away
// (container restarted, pod replaced by its Deployment, tunnel lost), the session does not end:
// it waits (bounded) for the target to run again — the workstation session moves its agent to the
// new container or pod on its own — attaches to the new process, sends it the breakpoints and
// exception filters the client set, and says so in the console. The client keeps one session and
// its breakpoint ids (each attach numbers its own; BreakpointIds translates them).
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { BackendContext, BackendSession, BackendSink } from './backend.js';
import type { RemoteProcessAccess } from './contract.js';
import { DapError } from '../common/errors.js';
import { readIdentity } from './remote-session-end.js';
import { BreakpointIds } from './breakpoint-ids.js';

/** Without `targetTimeoutMs`: how long to wait for the new process (a CrashLoopBackOff wait and a new agent fit in). */
const DEFAULT_FOLLOW_MS = 120_000;
const RETRY_MS = 1_000;

export interface FollowHooks {
  /** The attached process went away; `endReason` says why (waits, bounded, for the pod status). */
  onGone(endReason: () => Promise<string>): void;
  /** True for a re-attach (the probe warning was given once already). */
  again: boolean;
  /** The attach says which process it reached (pid in the container, command line). */
  attachedTo(pid: number, command: string): void;
}

export type AttachOnce = (ctx: BackendContext, follow: FollowHooks) => Promise<BackendSession>;

interface RecordedBreakpoints { args: DebugProtocol.SetBreakpointsArguments; clientIds: (number | undefined)[] }

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function followRestarts(ctx: BackendContext, remote: RemoteProcessAccess, attachOnce: AttachOnce): Promise<BackendSession> {
  const session = new FollowingSession(ctx, remote, attachOnce);
  await session.attachFirst();
  return session;
}

class FollowingSession implements BackendSession {
  capabilities: DebugProtocol.Capabilities = {};
  private current: BackendSession | undefined;
  private generation = 0;
  private readonly ids = new BreakpointIds();
  private readonly breakpoints = new Map<string, RecordedBreakpoints>();
  private exceptionFilters: Record<string, unknown> | undefined;
  private configured = false;
  private ended = false;
  /** True while a new attach replays what the client set: its own `initialized`/`breakpoint` events are not the client's. */
  private replaying = false;
  private lostWhileReplaying = false;
  private process: { pid?: number; command?: string } = {};

  constructor(private readonly ctx: BackendContext, private readonly remote: RemoteProcessAccess, private readonly attachOnce: AttachOnce) {}

  async attachFirst(): Promise<void> {
    this.current = await this.attach(false);
    this.capabilities = this.current.capabilities;
  }

  /** One attach, with a sink that drops events of an earlier generation and translates breakpoint ids. */
  private attach(again: boolean): Promise<BackendSession> {
    const generation = ++this.generation;
    const { sink: out } = this.ctx;
    const sink: BackendSink = {
      event: (event, body) => this.onEvent(generation, event, body),
      reverseRequest: (command, args) => out.reverseRequest(command, args),
      crashed: (reason) => out.crashed(reason),
      pipeOutput: (stream, category, opts) => out.pipeOutput(stream, category, opts),
    };
    return this.attachOnce({ ...this.ctx, sink }, {
      again, onGone: (endReason) => this.onGone(generation, endReason), attachedTo: (pid, command) => { this.process = { pid, command }; },
    });
  }

  private onEvent(generation: number, event: string, body: unknown): void {
    if (generation !== this.generation || this.ended) return;
    if (this.replaying && (event === 'initialized' || event === 'breakpoint')) return;
    if (event === 'breakpoint') {
      const b = body as DebugProtocol.BreakpointEvent['body'];
      if (b.breakpoint.id !== undefined) body = { ...b, breakpoint: { ...b.breakpoint, id: this.ids.toClient(generation, b.breakpoint.id) } };
    }
    this.ctx.sink.event(event, body);
  }

  launch(): Promise<unknown> {
    if (!this.current) throw new DapError('WRONG_STATE', 'launch: not attached');
    return this.current.launch();
  }

  async request(command: string, args: Record<string, unknown>): Promise<unknown> {
    if (command === 'setBreakpoints') return this.setBreakpoints(args as unknown as DebugProtocol.SetBreakpointsArguments);
    if (command === 'setExceptionBreakpoints') this.exceptionFilters = args;
    if (command === 'configurationDone') this.configured = true;
    if (command === 'disconnect' || command === 'terminate') this.ended = true;
    const current = this.current;
    if (current) return current.request(command, args);
    // Between two processes: what the client sets is kept for the next one.
    if (command === 'setExceptionBreakpoints' || command === 'configurationDone' || command === 'disconnect' || command === 'terminate') return {};
    if (command === 'threads') return { threads: [] };
    throw new DapError('WRONG_STATE', `${command}: the process in ${this.remote.target} is gone; kmirror-dap is re-attaching to the new one ("followRestarts")`);
  }

  private async setBreakpoints(args: DebugProtocol.SetBreakpointsArguments): Promise<unknown> {
    const path = args.source.path ?? '';
    const current = this.current;
    const generation = this.generation;
    if (!current) {
      const requested = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
      const clientIds = requested.map(() => this.ids.fresh());
      this.breakpoints.set(path, { args, clientIds });
      return { breakpoints: requested.map((b, i) => ({ id: clientIds[i], verified: false, line: b.line, source: args.source, message: 'waiting for the new process (followRestarts)' })) };
    }
    const r = (await current.request('setBreakpoints', args as unknown as Record<string, unknown>)) as { breakpoints: DebugProtocol.Breakpoint[] };
    const breakpoints = r.breakpoints.map((b) => (b.id === undefined ? b : { ...b, id: this.ids.toClient(generation, b.id) }));
    this.breakpoints.set(path, { args, clientIds: breakpoints.map((b) => b.id) });
    return { breakpoints };
  }

  private onGone(generation: number, endReason: () => Promise<string>): void {
    if (generation !== this.generation || this.ended) return;
    // Gone while being set up: the re-attach loop sees it and tries again.
    if (this.replaying) { this.lostWhileReplaying = true; return; }
    const gone = this.current;
    this.current = undefined;
    void gone?.dispose();
    void this.reattach(endReason).catch((e: unknown) => this.end(e instanceof Error ? e.message : String(e)));
  }

  private async reattach(endReason: () => Promise<string>): Promise<void> {
    const started = Date.now();
    const timeoutMs = this.ctx.config.targetTimeoutMs ?? DEFAULT_FOLLOW_MS;
    const deadline = started + timeoutMs;
    const why = await endReason();
    this.console(`kmirror-dap: ${why}; re-attaching to the new process ("followRestarts", up to ${Math.round(timeoutMs / 1000)} s)\n`);
    let last = why;
    while (!this.ended) {
      if (Date.now() >= deadline) throw new Error(`session ended: ${why}; no new process to re-attach to within ${Math.round(timeoutMs / 1000)} s (last: ${last})`);
      try {
        // Attach only once the pod status says the target runs (a restarting container does not yet).
        const now = await readIdentity(this.remote);
        if (now?.deleted || now?.deleting) throw new Error(`pod ${now.pod} is ${now.deleted ? 'gone' : 'being deleted'}; no new pod serves the target yet`);
        if (now?.running === false) throw new Error(`container ${now.container ?? ''} of pod ${now.pod} is not running yet`);
        const next = await this.attach(true);
        if (this.ended) { await next.dispose(); return; }
        await this.resume(next);
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        const event = why.split('; ')[0];
        this.console(`kmirror-dap: re-attached to process ${this.process.pid ?? '?'} (${this.process.command ?? '?'}) in ${this.remote.target} ${secs} s after: ${event}; breakpoints set again\n`);
        return;
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
        this.ctx.log.log('debug', 'backend', `re-attach: ${last}`);
        await sleep(RETRY_MS);
      }
    }
  }

  /** Enables the new attach and sends it what the client had set, before the client sees it. */
  private async resume(next: BackendSession): Promise<void> {
    const generation = this.generation;
    this.replaying = true;
    this.lostWhileReplaying = false;
    try {
      await next.launch();
      for (const { args, clientIds } of this.breakpoints.values()) {
        const r = (await next.request('setBreakpoints', args as unknown as Record<string, unknown>)) as { breakpoints: DebugProtocol.Breakpoint[] };
        r.breakpoints.forEach((b, i) => {
          const clientId = clientIds[i];
          if (b.id === undefined || clientId === undefined) return;
          this.ids.bind(generation, b.id, clientId);
          this.ctx.sink.event('breakpoint', { reason: 'changed', breakpoint: { ...b, id: clientId } });
        });
      }
      if (this.exceptionFilters) await next.request('setExceptionBreakpoints', this.exceptionFilters);
      if (this.configured) await next.request('configurationDone', {});
      if (this.lostWhileReplaying) throw new Error('the new process went away while its breakpoints were set');
    } catch (e) {
      await next.dispose();
      throw e;
    } finally {
      this.replaying = false;
    }
    this.current = next;
  }

  private end(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.ctx.sink.event('output', { category: 'important', output: `kmirror-dap: ${why}\n` });
    this.ctx.sink.event('terminated', {});
  }

  private console(text: string): void {
    this.ctx.sink.event('output', { category: 'console', output: text });
  }

  async dispose(): Promise<void> {
    this.ended = true;
    const current = this.current;
    this.current = undefined;
    await current?.dispose();
  }
}
