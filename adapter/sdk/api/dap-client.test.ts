// DapClient framing and correlation, against an in-memory peer (pure protocol logic).
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DapClient, DapRequestError, errorText } from './dap-client.js';

function frame(message: object): string {
  const json = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
}

/** A client whose adapter side is two PassThroughs: `fromAdapter` feeds it, `sent` collects its messages. */
function harness(opts: { requestTimeoutMs?: number } = {}) {
  const fromAdapter = new PassThrough();
  const toAdapter = new PassThrough();
  const sent: Array<Record<string, unknown>> = [];
  let raw = '';
  toAdapter.on('data', (d: Buffer) => {
    raw += d.toString('utf8');
    for (let m = /^Content-Length: (\d+)\r\n\r\n/.exec(raw); m; m = /^Content-Length: (\d+)\r\n\r\n/.exec(raw)) {
      const start = m[0].length;
      const len = Number(m[1]);
      if (Buffer.byteLength(raw.slice(start)) < len) break;
      sent.push(JSON.parse(raw.slice(start, start + len)) as Record<string, unknown>);
      raw = raw.slice(start + len);
    }
  });
  return { client: new DapClient(fromAdapter, toAdapter, opts), fromAdapter, sent };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('DapClient', () => {
  it('frames requests and matches responses split across chunks, with multi-byte bodies', async () => {
    const { client, fromAdapter, sent } = harness();
    const result = client.request<{ result: string }>('evaluate', { expression: 'x' });
    await tick();
    expect(sent[0]).toMatchObject({ seq: 1, type: 'request', command: 'evaluate', arguments: { expression: 'x' } });
    const bytes = Buffer.from(frame({ seq: 7, type: 'response', request_seq: 1, success: true, command: 'evaluate', body: { result: 'héllo ✓' } }));
    fromAdapter.write(bytes.subarray(0, 10));
    fromAdapter.write(bytes.subarray(10, bytes.length - 3));
    fromAdapter.write(bytes.subarray(bytes.length - 3));
    expect(await result).toEqual({ result: 'héllo ✓' });
  });

  it('delivers several messages from one chunk in order', async () => {
    const { client, fromAdapter } = harness();
    const events: string[] = [];
    client.on('event', (e) => events.push(e.event));
    fromAdapter.write(frame({ seq: 1, type: 'event', event: 'initialized' }) + frame({ seq: 2, type: 'event', event: 'stopped', body: { reason: 'breakpoint' } }));
    await tick();
    expect(events).toEqual(['initialized', 'stopped']);
  });

  it('rejects failed responses with the formatted error', async () => {
    const { client, fromAdapter } = harness();
    const result = client.request('launch', {});
    fromAdapter.write(frame({
      seq: 1, type: 'response', request_seq: 1, success: false, command: 'launch', message: 'x',
      body: { error: { id: 1, format: 'debugger {name} not found', variables: { name: 'dlv' } } },
    }));
    await expect(result).rejects.toThrow('DAP launch: debugger dlv not found');
    await expect(result).rejects.toBeInstanceOf(DapRequestError);
  });

  it('times out a request that gets no answer', async () => {
    const { client } = harness({ requestTimeoutMs: 50 });
    await expect(client.request('threads')).rejects.toThrow('DAP threads: no response within 50 ms');
  });

  it('fails pending and later requests when the stream ends', async () => {
    const { client, fromAdapter } = harness();
    const pending = client.request('threads');
    fromAdapter.end();
    await expect(pending).rejects.toThrow(/threads: no response: the adapter closed its output/);
    await expect(client.request('threads')).rejects.toThrow(/not sent/);
    expect(client.closed).toBe(true);
  });

  it('closes on a malformed header', async () => {
    const { client, fromAdapter } = harness();
    const reasons: string[] = [];
    client.on('close', (r) => reasons.push(r));
    fromAdapter.write('Garbage: 1\r\n\r\n{}');
    await tick();
    expect(reasons[0]).toMatch(/malformed DAP header/);
  });

  it('closes on a frame nested deeper than the limit, and refuses a request whose seq is not an integer', async () => {
    const { client, fromAdapter, sent } = harness();
    const reasons: string[] = [];
    client.on('close', (r) => reasons.push(r));
    const seqInfinity = '{"seq":1e400,"type":"request","command":"runInTerminal","arguments":{}}';
    fromAdapter.write(`Content-Length: ${seqInfinity.length}\r\n\r\n${seqInfinity}`);
    await tick();
    expect(sent).toContainEqual(expect.objectContaining({ type: 'response', request_seq: 0, success: false, message: expect.stringMatching(/"seq" must be an integer/) }));
    fromAdapter.write(`Content-Length: 10000\r\n\r\n${'['.repeat(5000)}${']'.repeat(5000)}`);
    await tick();
    expect(reasons).toEqual(['malformed DAP message from the adapter: frame nested deeper than 128 levels']);
  });

  it('answers reverse requests through handlers, and refuses unknown ones', async () => {
    const { client, fromAdapter, sent } = harness();
    client.onReverseRequest('runInTerminal', () => ({ processId: 42 }));
    fromAdapter.write(frame({ seq: 5, type: 'request', command: 'runInTerminal', arguments: { args: ['a'] } }));
    fromAdapter.write(frame({ seq: 6, type: 'request', command: 'startDebugging', arguments: {} }));
    await tick();
    await tick();
    expect(sent).toContainEqual(expect.objectContaining({ type: 'response', request_seq: 5, success: true, body: { processId: 42 } }));
    expect(sent).toContainEqual(expect.objectContaining({ type: 'response', request_seq: 6, success: false, message: 'kmirror client does not support startDebugging' }));
  });

  it('errorText falls back to message', () => {
    expect(errorText({ seq: 1, type: 'response', request_seq: 1, success: false, command: 'x', message: 'nope' })).toBe('nope');
  });
});
