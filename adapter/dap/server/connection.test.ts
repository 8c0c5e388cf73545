// Framing and dispatch rules of the DAP connection, over in-memory streams.
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { DapConnection, ThenAfter } from './connection.js';
import { DapError } from '../common/errors.js';
import { silentLogger } from './log.js';

function frame(message: object): string {
  const json = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
}

function setup(handlers: Record<string, (args: Record<string, unknown>) => unknown>) {
  const input = new PassThrough();
  const output = new PassThrough();
  const conn = new DapConnection(input, output, silentLogger);
  conn.setRouter((command) => handlers[command]);
  const messages: Array<Record<string, unknown>> = [];
  let buffer = '';
  let arrived: () => void = () => undefined;
  output.on('data', (d: Buffer) => {
    setImmediate(arrived);
    buffer += d.toString();
    for (;;) {
      const m = /^Content-Length: (\d+)\r\n\r\n/.exec(buffer);
      if (!m) return;
      const start = m[0].length;
      const length = Number(m[1]);
      if (Buffer.byteLength(buffer) < start + length) return;
      messages.push(JSON.parse(buffer.slice(start, start + length)) as Record<string, unknown>);
      buffer = buffer.slice(start + length);
    }
  });
  /** Resolves once `count` messages came out (an event, not a clock); the test's own timeout bounds it. */
  const received = async (count: number): Promise<void> => {
    while (messages.length < count) await new Promise<void>((r) => { arrived = r; });
  };
  return { input, conn, messages, received };
}

describe('DapConnection', () => {
  it('answers every request exactly once, numbering its own messages in order', async () => {
    const { input, messages, received } = setup({
      ok: () => ({ a: 1 }),
      boom: () => { throw new DapError('BAD_REQUEST', 'nope'); },
      crash: () => { throw new TypeError('bug'); },
      after: () => new ThenAfter({ b: 2 }, () => undefined),
    });
    // two frames in one chunk, and one split across chunks
    input.write(frame({ seq: 1, type: 'request', command: 'ok' }) + frame({ seq: 2, type: 'request', command: 'boom' }));
    const third = frame({ seq: 3, type: 'request', command: 'crash' });
    input.write(third.slice(0, 10));
    input.write(third.slice(10) + frame({ seq: 4, type: 'request', command: 'missing' }) + frame({ seq: 5, type: 'request', command: 'after' }));
    await received(5);
    // A sentinel request: a late duplicate answer would come out before the sentinel's own.
    input.write(frame({ seq: 6, type: 'request', command: 'ok' }));
    await received(6);
    expect(messages.pop()).toMatchObject({ type: 'response', request_seq: 6, success: true });
    // Handlers run concurrently, so responses may come in any order: sort by request.
    const responses = messages.filter((m) => m.type === 'response').sort((a, b) => Number(a.request_seq) - Number(b.request_seq));
    expect(responses.map((r) => [r.request_seq, r.success])).toEqual([[1, true], [2, false], [3, false], [4, false], [5, true]]);
    expect(responses[1]).toMatchObject({ message: 'nope', body: { error: { id: 5002 } } });
    expect(responses[2]!.message).toMatch(/internal error in crash: bug/);
    expect(responses[3]!.message).toBe('unsupported request: missing');
    expect(responses[4]!.body).toEqual({ b: 2 });
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('runs "after" once the response is out', async () => {
    const order: string[] = [];
    const { input, conn, messages, received } = setup({ go: () => new ThenAfter(undefined, () => { order.push(`after:${messages.length}`); conn.sendEvent('initialized'); }) });
    input.write(frame({ seq: 1, type: 'request', command: 'go' }));
    await received(2);
    expect(order).toEqual(['after:1']);
    expect(messages.map((m) => m.type)).toEqual(['response', 'event']);
  });

  it('reports malformed input without dying', async () => {
    const { input, messages, received } = setup({ ok: () => undefined });
    input.write('Content-Length: 3\r\n\r\n{x}');
    input.write('X-Nothing: 1\r\n\r\n');
    input.write(frame({ type: 'request', command: 'ok' }));
    input.write(frame({ seq: 9, type: 'request', command: 'ok', arguments: [1] }));
    input.write(frame({ seq: 10, type: 'request', command: 'ok' }));
    await received(5); // two output events, three responses
    expect(messages.filter((m) => m.type === 'event').map((m) => (m.body as { output: string }).output)).toEqual([
      expect.stringMatching(/invalid JSON/), expect.stringMatching(/without Content-Length/),
    ]);
    const responses = messages.filter((m) => m.type === 'response');
    expect(responses.map((r) => [r.request_seq, r.success])).toEqual([[0, false], [9, false], [10, true]]);
  });

  it('answers hostile frames and keeps serving: 5,000 levels of nesting, seq ±1e400', async () => {
    const { input, messages, received } = setup({ ok: () => ({ fine: true }) });
    const raw = (json: string) => `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
    input.write(raw('['.repeat(5000) + ']'.repeat(5000)));
    input.write(raw('{"seq":1e400,"type":"request","command":"ok"}'));
    input.write(raw('{"seq":-1e400,"type":"request","command":"ok"}'));
    input.write(raw(`{"seq":3,"type":"request","command":"ok","arguments":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}`));
    input.write(frame({ seq: 4, type: 'request', command: 'ok' }));
    await received(5); // one output event, four responses
    expect(messages.filter((m) => m.type === 'event').map((m) => (m.body as { output: string }).output))
      .toEqual(['kmirror-dap: ignored malformed message (frame nested deeper than 128 levels)\n']);
    const responses = messages.filter((m) => m.type === 'response');
    expect(responses.map((r) => [r.request_seq, r.success, r.message])).toEqual([
      [0, false, 'malformed DAP message: "seq" must be an integer (at most 2^53-1 in size), got Infinity'],
      [0, false, 'malformed DAP message: "seq" must be an integer (at most 2^53-1 in size), got -Infinity'],
      [3, false, 'malformed DAP message: frame nested deeper than 128 levels'],
      [4, true, undefined],
    ]);
  });

  it('hands traffic to the logger unformatted, as functions', async () => {
    const input = new PassThrough();
    const kinds: string[] = [];
    const conn = new DapConnection(input, new PassThrough(), { log: (_level, tag, message) => { if (tag.startsWith('dap.')) kinds.push(typeof message); } });
    conn.setRouter(() => () => undefined);
    input.write(frame({ seq: 1, type: 'request', command: 'threads' }));
    await vi.waitUntil(() => kinds.length >= 2, { timeout: 10_000 }); // the request and its response
    expect(kinds).toEqual(['function', 'function']);
  });

  it('correlates reverse requests by request_seq and times them out', async () => {
    const { input, conn, messages, received } = setup({});
    const answered = conn.sendRequest('runInTerminal', { args: ['x'] });
    const timedOut = conn.sendRequest('startDebugging', {}, 30);
    await received(2);
    const rit = messages.find((m) => m.command === 'runInTerminal')!;
    input.write(frame({ seq: 1, type: 'response', request_seq: rit.seq, command: 'runInTerminal', success: true, body: { processId: 7 } }));
    expect((await answered).body).toEqual({ processId: 7 });
    await expect(timedOut).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});
