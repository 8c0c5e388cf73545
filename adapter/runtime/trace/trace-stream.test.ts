// The client end of a trace stream over an in-memory tunnel (the agent side is played by the test).
import { describe, expect, it } from 'vitest';
import { TunnelConnection } from '#proto/runtime/connection.js';
import { createTransportPair } from '#proto/runtime/memory-transport.js';
import type { Frame, Msg } from '#proto/runtime/messages.js';
import { TraceStreamImpl } from './trace-stream.js';
import type { TracedEvent } from './trace-types.js';

const process = { pid: 7, tid: 7, ppid: 1, uid: 0, comm: 'sh' };

async function opened(): Promise<{ trace: TraceStreamImpl; agent: TunnelConnection; id: number; fromClient: Msg[] }> {
  const [a, b] = createTransportPair();
  const client = new TunnelConnection(a, { role: 'client' });
  const agent = new TunnelConnection(b, { role: 'agent' });
  const fromClient: Msg[] = [];
  const started = new Promise<number>((resolve) => agent.once('stream', (f: Frame) => {
    agent.attach(f.streamId, { onMessage: (m) => fromClient.push(m), onConnectionClosed: () => undefined });
    resolve(f.streamId);
  }));
  const id = client.openStream({ onMessage: () => undefined, onConnectionClosed: () => undefined });
  client.send(id, { kind: 'traceStart', gadgets: ['exec'], maxEventsPerSecond: 0 });
  await started;
  return { trace: new TraceStreamImpl(client, id, ['exec'], 4026531840), agent, id, fromClient };
}

describe('TraceStreamImpl', () => {
  it('delivers events to iterators and listeners, keeps the stats, and ends the iteration with the trace', async () => {
    const { trace, agent, id, fromClient } = await opened();
    const iterated: TracedEvent[] = [];
    const iteration = (async () => { for await (const e of trace) iterated.push(e); })();
    const heard: TracedEvent[] = [];
    trace.on('event', (e: TracedEvent) => heard.push(e));
    agent.send(id, { kind: 'traceEvents', events: [1, 2].map((n) => ({ timeUs: n, process, exec: { filename: '/bin/true', argv: [`${n}`] } })) });
    agent.send(id, { kind: 'traceStats', gadgets: [{ gadget: 'exec', events: 2, dropped: 1, suppressed: 0, filtered: 3 }] });
    const closing = trace.close();
    while (fromClient.length === 0) await new Promise((r) => setImmediate(r)); // the TraceStop reaches the agent side
    expect(fromClient.map((m) => m.kind)).toEqual(['traceStop']);
    agent.send(id, { kind: 'traceEnded', reason: 'stopped by the client' });
    await closing;
    await iteration;
    expect(iterated.map((e) => e.gadget === 'exec' && e.argv[0])).toEqual(['1', '2']);
    expect(heard).toEqual(iterated);
    expect(trace.stats.get('exec')).toEqual({ gadget: 'exec', events: 2, dropped: 1, suppressed: 0, filtered: 3 });
    expect([trace.ended, trace.endReason]).toEqual([true, 'stopped by the client']);
  });

  it('ends with the reason when the agent reports an error or the tunnel closes', async () => {
    const first = await opened();
    const ended = new Promise((resolve) => first.trace.once('end', resolve));
    first.agent.sendStreamError(first.id, 'UNAVAILABLE', 'target gone');
    expect(await ended).toBe('UNAVAILABLE: target gone');
    const second = await opened();
    const gone = new Promise((resolve) => second.trace.once('end', resolve));
    second.agent.close('agent exits');
    expect(await gone).toBe('tunnel closed');
  });
});
