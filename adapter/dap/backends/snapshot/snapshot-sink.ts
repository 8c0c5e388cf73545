// Snapshot mode for any backend (launch field `nonBreaking`): a BackendSink between the backend and
// the session that turns each breakpoint stop into a snapshot. On `stopped` (breakpoint) it reads
// the stack, the top frame's scopes and their variables (one level deep, bounded) through the
// backend's own DAP requests, continues, and sends the snapshot as an `output` event; the client
// never sees that `stopped`. Stops for other reasons (exception, pause, step) pass through.
// Backends that capture themselves more cheaply (the Node bridge) never emit a breakpoint stop
// in this mode, so this layer simply sees none from them.
import { performance } from 'node:perf_hooks';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { BackendSession, BackendSink } from '../backend.js';
import type { BackendLogger } from '../contract.js';
import { clip, frameOf, SNAPSHOT_KIND, SNAPSHOT_LIMITS, snapshotOutput, type SnapshotScope, type SnapshotVariable } from './snapshot.js';

const SNAPSHOT_REASONS = new Set(['breakpoint', 'function breakpoint']);

export class SnapshotSink implements BackendSink {
  private session: BackendSession | undefined;
  private seq = 0;
  /** Stops are captured one after another (another thread may stop while one is read). */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly downstream: BackendSink, private readonly log: BackendLogger) {}

  /** The session whose requests read the snapshot (known once the backend has started). */
  bind(session: BackendSession): void {
    this.session = session;
  }

  event(event: string, body?: unknown): void {
    const stopped = body as DebugProtocol.StoppedEvent['body'] | undefined;
    const session = this.session;
    if (event === 'stopped' && session && stopped && SNAPSHOT_REASONS.has(stopped.reason)) {
      const hitAt = performance.now();
      this.queue = this.queue.then(() => this.snapshot(session, stopped, hitAt));
      return;
    }
    this.downstream.event(event, body);
  }

  reverseRequest(command: string, args: unknown): Promise<DebugProtocol.Response> {
    return this.downstream.reverseRequest(command, args);
  }

  crashed(reason: string): void {
    this.downstream.crashed(reason);
  }

  pipeOutput(...args: Parameters<BackendSink['pipeOutput']>): void {
    this.downstream.pipeOutput(...args);
  }

  private async snapshot(session: BackendSession, stopped: DebugProtocol.StoppedEvent['body'], hitAt: number): Promise<void> {
    const threadId = stopped.threadId ?? 1;
    const time = new Date().toISOString();
    let captured: { stack: DebugProtocol.StackTraceResponse['body']; scopes: SnapshotScope[] } | undefined;
    try {
      captured = await this.capture(session, threadId);
    } catch (e) {
      this.log.log('warn', 'backend', `snapshot: reading the stop failed: ${(e as Error).message}`);
    }
    try {
      await session.request('continue', { threadId });
    } catch (e) {
      // Could not continue: the stop is the user's to see, not hidden.
      this.log.log('warn', 'backend', `snapshot: continue failed: ${(e as Error).message}`);
      this.downstream.event('stopped', stopped);
      return;
    }
    const pauseMs = performance.now() - hitAt;
    if (!captured) return;
    const top = captured.stack.stackFrames[0];
    this.downstream.event('output', snapshotOutput({
      kind: SNAPSHOT_KIND, seq: ++this.seq, threadId, ...(top ? frameOf(top) : { line: 0 }), function: top?.name ?? '?',
      stack: captured.stack.stackFrames.map(frameOf), ...(captured.stack.totalFrames ? { totalFrames: captured.stack.totalFrames } : {}),
      scopes: captured.scopes, pauseMs, capture: 'dap', time,
    }));
  }

  private async capture(session: BackendSession, threadId: number): Promise<{ stack: DebugProtocol.StackTraceResponse['body']; scopes: SnapshotScope[] }> {
    const stack = (await session.request('stackTrace', { threadId, startFrame: 0, levels: SNAPSHOT_LIMITS.frames })) as DebugProtocol.StackTraceResponse['body'];
    const top = stack.stackFrames[0];
    if (!top) return { stack, scopes: [] };
    const { scopes } = (await session.request('scopes', { frameId: top.id })) as DebugProtocol.ScopesResponse['body'];
    const cheap = scopes.filter((s) => !s.expensive).slice(0, SNAPSHOT_LIMITS.scopes);
    return { stack, scopes: await Promise.all(cheap.map((s) => this.scope(session, s))) };
  }

  private async scope(session: BackendSession, scope: DebugProtocol.Scope): Promise<SnapshotScope> {
    const all = await this.variables(session, scope.variablesReference);
    const shown = all.slice(0, SNAPSHOT_LIMITS.variablesPerScope);
    const expandable = shown.filter((v) => v.variablesReference > 0).slice(0, SNAPSHOT_LIMITS.expandedVariables);
    const children = new Map(await Promise.all(expandable.map(async (v) => [v, await this.variables(session, v.variablesReference).catch(() => [])] as const)));
    return {
      name: scope.name,
      variables: shown.map((v) => {
        const members = children.get(v);
        return { ...leaf(v), ...(members ? { children: members.slice(0, SNAPSHOT_LIMITS.childrenPerVariable).map(leaf) } : {}) };
      }),
      ...(all.length > shown.length ? { truncated: true } : {}),
    };
  }

  private async variables(session: BackendSession, variablesReference: number): Promise<DebugProtocol.Variable[]> {
    const r = (await session.request('variables', { variablesReference, start: 0, count: SNAPSHOT_LIMITS.variablesPerScope + 1 })) as DebugProtocol.VariablesResponse['body'];
    return r.variables;
  }
}

function leaf(v: DebugProtocol.Variable): SnapshotVariable {
  return { name: v.name, value: clip(v.value), ...(v.type ? { type: v.type } : {}) };
}
