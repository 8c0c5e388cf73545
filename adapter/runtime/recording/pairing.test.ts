// HTTP/1.x exchange indexing, credential redaction and `--only-failing`, through the writer and reader.
import { describe, expect, it } from 'vitest';
import { ConnectionIndexer, type PendingExchange } from './connection-indexer.js';
import { isFailingExchange } from './only-failing.js';
import { requestBytes, responseBytes } from './recording-index.js';
import { headerMatcher, redactionSettings } from './redaction.js';
import { scriptRecorderForFile } from './test-record-files.js';
import { http } from './test-recordings.js';

const record = scriptRecorderForFile('kmrec-pair-');

/** Feeds both directions one byte at a time: pairing must not depend on segment boundaries. */
function indexByteByByte(request: string, response: string): { exchanges: PendingExchange[]; out: { request: string; response: string } } {
  const exchanges: PendingExchange[] = [];
  const out = { request: '', response: '' };
  const ix = new ConnectionIndexer(1, { onOutput: (d, b) => (out[d] += b.toString('latin1')), onExchange: (x) => exchanges.push(x) }, undefined);
  let ts = 0;
  for (const ch of request) ix.segment('request', Buffer.from(ch, 'latin1'), ts++);
  for (const ch of response) ix.segment('response', Buffer.from(ch, 'latin1'), ts++);
  ix.close(ts, false);
  return { exchanges, out };
}

describe('HTTP/1.x pairing', () => {
  it('pairs keep-alive, pipelined, chunked and HEAD exchanges in order with exact byte ranges', () => {
    const reqs = [http.get('/one'), http.post('/two', 'body!'), `HEAD /three HTTP/1.1\r\nHost: x\r\n\r\n`, http.get('/four')];
    const ress = [http.ok('first'), http.chunked(['ab', 'cde'], 201), http.ok('', 204).replace('Content-Length: 0', 'Content-Length: 999'), http.ok('last', 500)];
    const { exchanges, out } = indexByteByByte(reqs.join(''), ress.join(''));
    expect(out.request).toBe(reqs.join(''));
    expect(out.response).toBe(ress.join(''));
    expect(exchanges.map((x) => [x.method, x.path, x.status])).toEqual([
      ['GET', '/one', 200],
      ['POST', '/two', 201],
      ['HEAD', '/three', 204],
      ['GET', '/four', 500],
    ]);
    exchanges.forEach((x, i) => {
      expect(out.request.slice(...x.requestRange)).toBe(reqs[i]);
      expect(out.response.slice(...x.responseRange)).toBe(ress[i]);
      expect(x.requestBytes).toBe(reqs[i]?.length);
    });
  });

  it('indexes past a 1 MiB body that arrives in one segment (http-parser-js counts it as header bytes otherwise)', async () => {
    const big = 'b'.repeat(1 << 20);
    const { exchanges } = await record({
      connections: [{ segments: [['request', http.post('/up', big)], ['response', http.ok(big)], ['request', http.get('/next')], ['response', http.chunked(['x'])]] }],
    });
    expect(exchanges.map((x) => [x.path, x.status, x.requestBytes > 1 << 20, x.responseBytes > 1 << 20])).toEqual([['/up', 200, true, true], ['/next', 200, false, false]]);
  });

  it('a message head longer than 80 KiB is not indexed: the connection stays whole', async () => {
    const { exchanges, index } = await record({ connections: [{ segments: [['request', `GET / HTTP/1.1\r\nX-Long: ${'a'.repeat(90 * 1024)}`], ['request', '\r\n\r\n'], ['response', http.ok('x')]] }] });
    expect(exchanges).toEqual([]);
    expect(index.items.map((i) => i.id)).toEqual(['c1']);
  });

  it('skips 100 Continue and ends a read-until-close body with the connection', () => {
    const { exchanges } = indexByteByByte(http.post('/up', 'data'), `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nuntil close`);
    expect(exchanges.map((x) => [x.path, x.status, x.responseBytes])).toEqual([['/up', 200, 30]]);
  });

  it('keeps raw TCP and HTTP/2 connections whole, without exchanges', async () => {
    const preface = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
    const { index, exchanges } = await record({
      connections: [{ segments: [['request', preface], ['request', Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])], ['response', Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0])]] }],
    });
    expect(exchanges).toEqual([]);
    expect(index.items.map((i) => i.id)).toEqual(['c1']);
    expect(requestBytes(index.items[0] as never).subarray(0, preface.length).toString()).toBe(preface);
  });

  it('a reset before the response ends the exchange with status 0 and reset', async () => {
    const { exchanges } = await record({ connections: [{ segments: [['request', http.get('/slow')]], reset: true }] });
    expect(exchanges).toMatchObject([{ path: '/slow', status: 0, reset: true, responseRange: [0, 0] }]);
  });
});

describe('redaction', () => {
  const secret = 'Authorization: Bearer s3cret\r\nCookie: sid=42\r\nX-Api-Key: k-123\r\nAccept: */*\r\n';

  it('replaces credential headers (and configured patterns) in the file, visibly', async () => {
    const { read, exchanges, index } = await record({
      redactionPatterns: ['^x-api-'],
      connections: [{ segments: [['request', http.get('/me', secret)], ['response', http.ok('hi', 200, 'Set-Cookie: sid=43\r\n')]] }],
    });
    const req = requestBytes(index.items[0] as never).toString();
    expect(req).toBe(`GET /me HTTP/1.1\r\nHost: shop\r\nAuthorization: <redacted by kmirror>\r\nCookie: <redacted by kmirror>\r\nX-Api-Key: <redacted by kmirror>\r\nAccept: */*\r\n\r\n`);
    expect(responseBytes(index.items[0] as never).toString()).toContain('Set-Cookie: <redacted by kmirror>\r\n');
    expect(exchanges[0]?.redacted).toEqual(['authorization', 'cookie', 'x-api-key', 'set-cookie']);
    expect(read.header.redaction).toEqual({ enabled: true, headers: ['authorization', 'cookie', 'set-cookie', 'proxy-authorization'], patterns: ['^x-api-'] });
    expect(read.end?.redacted).toEqual({ authorization: 1, cookie: 1, 'x-api-key': 1, 'set-cookie': 1 });
    expect(exchanges[0]?.requestRange[1]).toBe(req.length);
  });

  it('keeps the values when the user opts out, and says so in the header', async () => {
    const { read, index } = await record({ noRedaction: true, connections: [{ segments: [['request', http.get('/me', secret)], ['response', http.ok('x')]] }] });
    expect(read.header.redaction.enabled).toBe(false);
    expect(requestBytes(index.items[0] as never).toString()).toContain('Authorization: Bearer s3cret');
  });

  it('rejects a pattern that is not a regular expression', () => {
    expect(() => redactionSettings(['('])).toThrow(/redaction pattern "\(" is not a regular expression/);
    expect(headerMatcher(redactionSettings([], true))).toBeUndefined();
  });
});

describe('--only-failing', () => {
  it('decides on status ≥ 500 or reset', () => {
    expect([200, 404, 499, 500, 503].map((status) => isFailingExchange({ status, reset: false }))).toEqual([false, false, false, true, true]);
    expect(isFailingExchange({ status: 0, reset: true })).toBe(true);
  });

  it('keeps exactly the 5xx and reset exchanges of a mixed workload, with ranges into the filtered file', async () => {
    const { read, exchanges, index } = await record({
      onlyFailing: true,
      connections: [
        { segments: [['request', http.get('/ok') + http.get('/boom')], ['response', http.ok('fine') + http.ok('broken', 502)], ['request', http.get('/ok2')], ['response', http.ok('ok')]] },
        { segments: [['request', http.get('/fine')], ['response', http.ok('y')]] },
        { segments: [['request', http.get('/hang')]], reset: true },
        { segments: [['request', 'raw bytes'], ['response', 'raw answer']] },
        { segments: [['request', 'raw reset'], ['response', 'partial']], reset: true },
      ],
    });
    expect(exchanges.map((x) => [x.path, x.status, x.reset])).toEqual([['/boom', 502, false], ['/hang', 0, true]]);
    expect(index.items.map((i) => i.id)).toEqual(['1', '2', 'c5']);
    expect(requestBytes(index.items[0] as never).toString()).toBe(http.get('/boom'));
    expect(responseBytes(index.items[0] as never).toString()).toBe(http.ok('broken', 502));
    expect(requestBytes(index.items[2] as never).toString()).toBe('raw reset');
    expect(read.end).toMatchObject({ exchanges: 2, dropped: 4 });
    expect(read.records.filter((r) => r.type === 'open').map((r) => (r as { conn: number }).conn)).toEqual([1, 3, 5]);
  });

  it('gives up holding a connection that grows past the bound before any decision, with a gap', async () => {
    const chunk = Buffer.alloc(8 << 20, 0x41);
    const { read, exchanges } = await record({
      onlyFailing: true,
      connections: [
        { segments: Array.from({ length: 9 }, () => ['request', chunk] as ['request', Buffer]), reset: true },
        { segments: [['request', http.get('/boom')], ['response', http.ok('x', 500)]] },
      ],
    });
    const gaps = read.records.filter((r) => r.type === 'gap');
    expect(gaps).toMatchObject([{ conn: 1, reason: '--only-failing: more than 67108864 bytes held before a decision', lostBytes: 9 * (8 << 20) }]);
    expect(exchanges.map((x) => x.path)).toEqual(['/boom']);
    expect(read.records.filter((r) => r.type === 'segment' && r.conn === 1)).toEqual([]);
  });
});
