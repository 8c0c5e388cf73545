// A debugger that stops answering must not leave the client's request hanging (server/answer-bound.ts):
// debugpy for real, its evaluating thread deadlocked by the evaluated expression (it takes a lock it
// already holds, so debugpy never answers that `evaluate`), with a short bound from the launch field
// `answerTimeoutMs`. kmirror-dap answers such a request itself with an error naming debugpy and the
// command, tells the user once, drops a late answer (never two responses for one seq), and goes on
// serving: status, the debugger's threads, and a clean disconnect that leaves no process behind.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakLine, FIXTURES, startServer, type TestServer } from './harness.js';
import { descendants, killLeftovers, waitGone } from './process-tree.js';
import { RawClient, type Message } from './raw-client.js';

const PY = join(FIXTURES, 'py/app.py');
const BOUND_MS = 2000;
/** Finishes 2 s after the bound, then prints a marker: its answer from debugpy comes late. */
const SLOW = "(__import__('time').sleep(4), print('km-late-answer', flush=True), 7)[2]";
/** Never finishes: the second acquire waits for the first. */
const DEADLOCK = "(lambda lock: lock.acquire() and lock.acquire())(__import__('threading').Lock())";
const GONE_WITHIN_MS = 15_000;

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

const outputs = (client: RawClient, text: RegExp): Message[] =>
  client.received.filter((m) => m.type === 'event' && m.event === 'output' && text.test(String(m.body?.output)));

/** The first `output` event whose text matches, already received or still to come. */
async function waitOutput(client: RawClient, text: RegExp): Promise<Message> {
  return outputs(client, text)[0] ?? client.waitFor((m) => m.type === 'event' && m.event === 'output' && text.test(String(m.body?.output)), 30_000, `output ${text}`);
}

describe('a debugger that does not answer', () => {
  it('debugpy deadlocked in an evaluate: kmirror-dap answers within the bound, once, and keeps serving', { timeout: 90_000 }, async () => {
    const client = await RawClient.connect(server.port);
    const ours = (): number[] => descendants(process.pid).filter((p) => p.cmdline.includes(PY) || p.cmdline.includes('debugpy')).map((p) => p.pid);
    let pids: number[] = [];
    try {
      await client.request('initialize', { adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
      const launched = client.request('launch', { type: 'kmirror', request: 'launch', program: PY, env: { KM_FOREVER: '1' }, answerTimeoutMs: BOUND_MS });
      await client.waitEvent('initialized');
      await client.request('setBreakpoints', { source: { path: PY }, breakpoints: [{ line: breakLine(PY) }] });
      await client.request('configurationDone');
      expect((await launched).success).toBe(true);
      const threadId = (await client.waitEvent('stopped')).body?.threadId;
      const frames = await client.request('stackTrace', { threadId, startFrame: 0, levels: 1 });
      const frameId = (frames.body?.stackFrames as Array<{ id: number }>)[0]!.id;
      pids = ours();

      const slow = await client.request('evaluate', { expression: SLOW, frameId, context: 'repl' });
      expect(slow.success).toBe(false);
      expect(slow.message).toMatch(/^debugpy did not answer `evaluate` within 2 s; it may be deadlocked/);
      const told = outputs(client, /debugpy did not answer `evaluate` within 2 s/);
      expect(told).toHaveLength(1);
      expect(told[0]!.body?.category).toBe('important');
      // debugpy evaluates on the stopped thread one request after the other: this one is answered
      // after the slow one finished, so debugpy's late answer to it has reached kmirror-dap by then.
      await waitOutput(client, /km-late-answer/);
      const after = await client.request('evaluate', { expression: '6 * 7', frameId, context: 'repl' });
      expect(after.body?.result).toBe('42');

      const deadlocked = await client.request('evaluate', { expression: DEADLOCK, frameId, context: 'repl' });
      expect(deadlocked.success).toBe(false);
      expect(deadlocked.message).toMatch(/^debugpy did not answer `evaluate` within 2 s; it may be deadlocked/);
      expect((deadlocked.body as { error?: { id?: number } } | undefined)?.error?.id).toBe(5010);
      expect(outputs(client, /did not answer/)).toHaveLength(1); // told once per session

      expect((await client.request('kmirror/status')).success).toBe(true);
      const threads = await client.request('threads');
      expect(threads.success).toBe(true);
      expect((threads.body?.threads as Array<{ id: number }>).map((t) => t.id)).toContain(threadId);
      const disconnect = await client.request('disconnect', {});
      expect(disconnect.success).toBe(true);

      const responses = client.received.filter((m) => m.type === 'response').map((m) => m.request_seq);
      expect(responses.length).toBe(new Set(responses).size); // never two answers for one request
      expect(responses).toContain(slow.request_seq);
      expect(pids.length).toBeGreaterThanOrEqual(2); // debugpy's adapter and the program at least
      expect(await waitGone(pids, GONE_WITHIN_MS)).toEqual([]);
    } finally {
      client.close();
      killLeftovers([...pids, ...ours()]);
    }
  });
});
