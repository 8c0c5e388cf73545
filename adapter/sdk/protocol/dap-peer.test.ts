// The DAP peer over in-memory streams: numbering, correlation, deadlines, close, reverse
// requests, and how refused messages are reported.
import { PassThrough } from 'node:stream';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { describe, expect, it } from 'vitest';
import { DapPeer, PeerRequestError, type DapPeerHandlers, type MalformedMessage } from './dap-peer.js';

function frame(message: object | string): string {
  const json = typeof message === 'string' ? message : JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
}

function setup(handlers: Partial<DapPeerHandlers> = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  const sent: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  let buffer = '';
  output.on('data', (d: Buffer) => {
    buffer += d.toString();
    for (let m = /^Content-Length: (\d+)\r\n\r\n/.exec(buffer); m; m = /^Content-Length: (\d+)\r\n\r\n/.exec(buffer)) {
      const text = buffer.slice(m[0].length, m[0].length + Number(m[1]));
      raw.push(text);
      sent.push(JSON.parse(text) as Record<string, unknown>);
      buffer = buffer.slice(m[0].length + Number(m[1]));
    }
  });
  const malformed: MalformedMessage[] = [];
  const requests: DebugProtocol.Request[] = [];
  const peer = new DapPeer(input, output, {
    request: (r) => requests.push(r),
    malformed: (m) => malformed.push(m),
    ...handlers,
  });
  return { peer, input, sent, raw, malformed, requests };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('DapPeer', () => {
  it('numbers every message it sends, in the field order DAP clients print', async () => {
    const { peer, sent, raw } = setup();
    peer.event('initialized');
    peer.respond({ seq: 4, command: 'threads' }, { success: true, body: { threads: [] } });
    peer.respond({ seq: 5, command: 'launch' }, { success: false, message: 'no' });
    void peer.request('runInTerminal', { args: ['x'] }).catch(() => undefined);
    await tick();
    expect(sent.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(raw.slice(0, 3)).toEqual([
      '{"seq":1,"type":"event","event":"initialized"}',
      '{"seq":2,"type":"response","request_seq":4,"command":"threads","success":true,"body":{"threads":[]}}',
      '{"seq":3,"type":"response","request_seq":5,"command":"launch","success":false,"message":"no"}',
    ]);
    expect(sent[3]).toMatchObject({ type: 'request', command: 'runInTerminal', arguments: { args: ['x'] } });
    peer.close('test over');
  });

  it('resolves a request with its response, success or not, and times out without one', async () => {
    const { peer, input, sent } = setup();
    const ok = peer.request('evaluate', { expression: 'x' });
    const failed = peer.request('launch', { program: 'p' });
    const late = peer.request('threads', undefined, 30);
    await tick();
    input.write(frame({ seq: 1, type: 'response', request_seq: sent[1]!.seq, command: 'launch', success: false, message: 'bad' }));
    input.write(frame({ seq: 2, type: 'response', request_seq: sent[0]!.seq, command: 'evaluate', success: true, body: { result: '1' } }));
    expect(await ok).toMatchObject({ success: true, body: { result: '1' } });
    expect(await failed).toMatchObject({ success: false, message: 'bad' });
    await expect(late).rejects.toMatchObject({ kind: 'timeout', command: 'threads', reason: 'no response within 30 ms' });
  });

  it('matches a response that arrives while the request is still being written (in-memory streams)', async () => {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const server: DapPeer = new DapPeer(toServer, toClient, { request: (r) => server.respond(r, { success: true, body: { n: r.seq } }), malformed: () => undefined });
    const client = new DapPeer(toClient, toServer, { request: () => undefined, malformed: () => undefined });
    for (let i = 1; i <= 3; i++) expect(await client.request('threads', undefined, 1_000)).toMatchObject({ success: true, body: { n: i } });
  });

  it('fails pending requests when the stream ends, refuses later ones, and reports the reason once', async () => {
    const reasons: string[] = [];
    const { peer, input } = setup({ close: (r) => reasons.push(r) });
    const pending = peer.request('threads');
    input.end();
    await expect(pending).rejects.toBeInstanceOf(PeerRequestError);
    await expect(pending).rejects.toMatchObject({ kind: 'closed', reason: 'the other side closed the stream' });
    await expect(peer.request('threads')).rejects.toMatchObject({ kind: 'unsent' });
    peer.close('again');
    expect(reasons).toEqual(['the other side closed the stream']);
  });

  it('dispatches valid requests and events, and refuses the rest with a reply address when there is one', async () => {
    const events: string[] = [];
    const { input, requests, malformed } = setup({ event: (e) => events.push(e.event) });
    input.write(frame({ seq: 1, type: 'request', command: 'runInTerminal', arguments: {} }));
    input.write(frame({ seq: 2, type: 'event', event: 'stopped' }));
    input.write(frame({ seq: 3, type: 'request' }));
    input.write(frame('{"seq":1e400,"type":"request","command":"initialize"}'));
    input.write(frame('{"seq":-1e400,"type":"request","command":"initialize"}'));
    input.write(frame('{"seq":1.5,"type":"request","command":"initialize"}'));
    input.write(frame('42'));
    input.write(frame(`{"seq":9,"type":"request","command":"launch","arguments":${'['.repeat(200)}${']'.repeat(200)}}`));
    input.write(frame('['.repeat(5000) + ']'.repeat(5000)));
    await tick();
    expect(requests.map((r) => r.seq)).toEqual([1]);
    expect(events).toEqual(['stopped']);
    expect(malformed).toEqual([
      { kind: 'shape', reason: 'expected {type:"request", seq:number, command:string}', replyTo: { seq: 3, command: '' } },
      { kind: 'shape', reason: '"seq" must be an integer (at most 2^53-1 in size), got Infinity', replyTo: { seq: 0, command: 'initialize' } },
      { kind: 'shape', reason: '"seq" must be an integer (at most 2^53-1 in size), got -Infinity', replyTo: { seq: 0, command: 'initialize' } },
      { kind: 'shape', reason: '"seq" must be an integer (at most 2^53-1 in size), got 1.5', replyTo: { seq: 0, command: 'initialize' } },
      { kind: 'shape', reason: 'message is not a JSON object' },
      { kind: 'depth', reason: 'frame nested deeper than 128 levels', replyTo: { seq: 9, command: 'launch' } },
      { kind: 'depth', reason: 'frame nested deeper than 128 levels' },
    ]);
  });

  it('refuses events when its role takes none', async () => {
    const { input, malformed } = setup();
    input.write(frame({ seq: 4, type: 'event', event: 'stopped' }));
    await tick();
    expect(malformed).toEqual([{ kind: 'shape', reason: 'expected {type:"request", seq:number, command:string}', replyTo: { seq: 4, command: '' } }]);
  });

  it('keeps a handler bug inside the peer', async () => {
    const { input, malformed } = setup({ request: () => { throw new TypeError('bug'); } });
    input.write(frame({ seq: 6, type: 'request', command: 'x' }));
    await tick();
    expect(malformed).toEqual([{ kind: 'shape', reason: 'internal error while handling a message: bug', replyTo: { seq: 6, command: 'x' } }]);
  });

  it('answers with an error when a response cannot be encoded', async () => {
    const { peer, sent } = setup();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    peer.respond({ seq: 8, command: 'variables' }, { success: true, body: cycle });
    await expect(peer.request('evaluate', cycle)).rejects.toMatchObject({ kind: 'unsent' });
    await tick();
    expect(sent).toEqual([expect.objectContaining({ request_seq: 8, success: false, message: expect.stringMatching(/^cannot encode the variables response: /) })]);
  });
});
