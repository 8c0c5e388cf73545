import { describe, expect, it } from 'vitest';
import { startTargetProgress } from './target-progress.js';

function recorder(): { events: Array<[string, unknown]>; sendEvent(event: string, body?: unknown): void } {
  const events: Array<[string, unknown]> = [];
  return { events, sendEvent: (event, body) => events.push([event, body]) };
}

describe('progress while connecting to the target', () => {
  it('sends the standard DAP progress events when the client supports them, with the outcome on the end', () => {
    const sink = recorder();
    const p = startTargetProgress(sink, { config: {}, clientSupportsProgress: true, target: 'deploy/web' });
    p.update('starting the agent for deploy/web');
    p.end(true, 'connected to deploy/web');
    expect(sink.events.map(([e]) => e)).toEqual(['progressStart', 'progressUpdate', 'progressEnd']);
    const id = (sink.events[0]![1] as { progressId: string }).progressId;
    expect(sink.events[0]![1]).toEqual({ progressId: id, title: 'kmirror: connecting to deploy/web', cancellable: false });
    expect(sink.events[2]![1]).toEqual({ progressId: id, message: 'connected to deploy/web' });
  });

  it('sends kmirror/progress* events instead, and no standard ones, when the launch config asks for them', () => {
    const sink = recorder();
    const p = startTargetProgress(sink, { config: { __kmirrorProgressEvents: true }, clientSupportsProgress: true, target: 'pid/7' });
    p.update('agent ready for pid/7');
    p.end(false, 'cannot reach target pid/7');
    expect(sink.events.map(([e]) => e)).toEqual(['kmirror/progressStart', 'kmirror/progressUpdate', 'kmirror/progressEnd']);
    const id = (sink.events[0]![1] as { progressId: string }).progressId;
    expect(sink.events[0]![1]).toEqual({ progressId: id, title: 'kmirror: connecting to pid/7', target: 'pid/7' });
    expect(sink.events[2]![1]).toEqual({ progressId: id, ok: false, message: 'cannot reach target pid/7' });
  });

  it('sends nothing to a client without progress support that did not ask for the kmirror events', () => {
    const sink = recorder();
    const p = startTargetProgress(sink, { config: { __kmirrorProgressEvents: 'yes' }, clientSupportsProgress: false, target: 'pid/7' });
    p.update('x');
    p.end(true, 'y');
    expect(sink.events).toEqual([]);
  });
});
