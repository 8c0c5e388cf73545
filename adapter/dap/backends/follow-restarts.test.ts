// The follow logic of "followRestarts" with stand-ins for the attach and the pod status (the real
// re-attach on the cluster: test/e2e/remote-attach-restart.e2e.test.ts): what the client set is
// replayed under its own ids, and a target that never runs again ends the session, bounded.
import { describe, expect, it } from 'vitest';
import type { BackendContext, BackendSession } from './backend.js';
import type { BackendLaunchConfig, RemoteProcessAccess, TargetIdentity } from './contract.js';
import { followRestarts, type FollowHooks } from './follow-restarts.js';

class FakeAttach implements BackendSession {
  readonly capabilities = {};
  readonly requests: Array<[string, Record<string, unknown>]> = [];
  private nextId = 1;
  constructor(readonly ctx: BackendContext, readonly hooks: FollowHooks) {}
  async launch(): Promise<unknown> { this.ctx.sink.event('initialized'); return undefined; }
  async request(command: string, args: Record<string, unknown>): Promise<unknown> {
    this.requests.push([command, args]);
    if (command === 'setBreakpoints') return { breakpoints: (args.breakpoints as { line: number }[]).map((b) => ({ id: this.nextId++, verified: true, line: b.line })) };
    return {};
  }
  async dispose(): Promise<void> {}
  gone(why: string): void { this.hooks.onGone(async () => why); }
}

function harness(identity: () => TargetIdentity, config: Partial<BackendLaunchConfig> = {}) {
  const events: Array<[string, unknown]> = [];
  const attaches: FakeAttach[] = [];
  const ctx = {
    config: { request: 'attach', followRestarts: true, ...config }, clientCapabilities: { adapterID: 'x' },
    log: { log: () => undefined },
    sink: { event: (e: string, b?: unknown) => events.push([e, b]), reverseRequest: async () => ({}) as never, crashed: () => undefined, pipeOutput: () => undefined },
  } as unknown as BackendContext;
  const remote = { target: 'deploy/web', identity: async () => identity() } as unknown as RemoteProcessAccess;
  const start = () => followRestarts(ctx, remote, async (c, hooks) => { hooks.attachedTo(7, '/usr/bin/node /app/server.js'); const a = new FakeAttach(c, hooks); attaches.push(a); return a; });
  const waitFor = async (what: () => boolean): Promise<void> => { while (!what()) await new Promise((r) => setTimeout(r, 20)); };
  const outputs = () => events.filter(([e]) => e === 'output').map(([, b]) => (b as { output: string }).output).join('');
  return { events, attaches, start, waitFor, outputs };
}

describe('followRestarts', () => {
  it('re-attaches, replays breakpoints and exception filters under the client ids, hides the new attach\'s initialized', async () => {
    const h = harness(() => ({ pod: 'web-1', running: true }));
    const session = await h.start();
    await session.launch();
    const set = await session.request('setBreakpoints', { source: { path: '/s.js' }, breakpoints: [{ line: 3 }, { line: 9 }] }) as { breakpoints: { id: number }[] };
    expect(set.breakpoints.map((b) => b.id)).toEqual([1, 2]);
    await session.request('setExceptionBreakpoints', { filters: ['uncaught'] });
    await session.request('configurationDone', {});

    h.attaches[0]!.gone('container app of pod web-1 restarted (exit code 137: Error, restart 1); the process attached to is gone');
    await h.waitFor(() => h.outputs().includes('re-attached'));
    const second = h.attaches.at(-1)!;
    expect(second.requests.map(([c]) => c)).toEqual(['setBreakpoints', 'setExceptionBreakpoints', 'configurationDone']);
    expect(h.events.filter(([e]) => e === 'initialized')).toHaveLength(1);
    const replayed = h.events.filter(([e]) => e === 'breakpoint').map(([, b]) => (b as { breakpoint: { id: number; verified: boolean } }).breakpoint);
    expect(replayed).toEqual([expect.objectContaining({ id: 1, verified: true }), expect.objectContaining({ id: 2, verified: true })]);
    expect(h.outputs()).toMatch(/re-attached to process 7 \(\/usr\/bin\/node \/app\/server\.js\) in deploy\/web [\d.]+ s after: container app of pod web-1 restarted \(exit code 137: Error, restart 1\); breakpoints set again/);
    expect(h.events.some(([e]) => e === 'terminated')).toBe(false);
    await session.request('disconnect', {});
    await session.dispose();
  });

  it('ends the session with the reason when the target does not run again within targetTimeoutMs', async () => {
    const h = harness(() => ({ pod: 'web-1', container: 'app', running: false }), { targetTimeoutMs: 1_500 });
    const session = await h.start();
    await session.launch();
    h.attaches[0]!.gone('container app of pod web-1 stopped (exit code 1: Error, restart 3)');
    await h.waitFor(() => h.events.some(([e]) => e === 'terminated'));
    expect(h.attaches).toHaveLength(1);
    expect(h.outputs()).toMatch(/session ended: container app of pod web-1 stopped \(exit code 1: Error, restart 3\); no new process to re-attach to within 2 s \(last: container app of pod web-1 is not running yet\)/);
    // Between processes, requests that need one say why.
    await expect(session.request('stackTrace', { threadId: 1 })).rejects.toThrow(/the process in deploy\/web is gone/);
    await session.dispose();
  });
});
