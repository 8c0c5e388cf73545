import { describe, expect, it } from 'vitest';
import { HttpMessageSplitter, MAX_HEAD_BYTES } from './message-splitter.js';

function split(kind: 'request' | 'response', input: string, chunkSize: number, skip: (h: { method: string }) => boolean = () => false) {
  const messages: Array<{ head: string; bytes: string }> = [];
  let raw = '';
  let cur: { head: string; bytes: string } | undefined;
  const s = new HttpMessageSplitter(kind, {
    onHead: (h) => { cur = { head: kind === 'request' ? `${h.method} ${h.url}` : String(h.statusCode), bytes: '' }; return skip(h); },
    onBytes: (b) => { (cur as { bytes: string }).bytes += b.toString('latin1'); },
    onComplete: () => { messages.push(cur as { head: string; bytes: string }); cur = undefined; },
    onRaw: (b) => { raw += b.toString('latin1'); },
  });
  const buf = Buffer.from(input, 'latin1');
  for (let i = 0; i < buf.length; i += chunkSize) s.push(buf.subarray(i, i + chunkSize));
  return { messages, raw };
}

const PIPELINED =
  'GET /a HTTP/1.1\r\nHost: x\r\n\r\n' +
  'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' +
  'PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';

describe('HttpMessageSplitter', () => {
  it.each([1, 3, 7, 1000])('splits pipelined requests byte-exactly with %i-byte chunks', (size) => {
    const { messages } = split('request', PIPELINED, size);
    expect(messages.map((m) => m.head)).toEqual(['GET /a', 'POST /b', 'PUT /c']);
    expect(messages.map((m) => m.bytes).join('')).toBe(PIPELINED);
    expect(messages[1]?.bytes.endsWith('hello')).toBe(true);
  });

  it('parses a response to HEAD without a body when told to', () => {
    const input = 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n';
    const { messages } = split('response', input, 4, () => true);
    expect(messages.map((m) => m.head)).toEqual(['200', '204']);
    expect(messages.map((m) => m.bytes).join('')).toBe(input);
  });

  it('hands the bytes after an upgrade over raw', () => {
    const input = 'GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello';
    const { messages, raw } = split('request', input, 5);
    expect(messages).toHaveLength(1);
    expect(raw).toBe('\x81\x05hello');
  });

  // Regression (issue 14, an http_filter route reset at the end of an 8 MiB answer): a read of
  // more than 80 KB that ends exactly where a response ends (a tunnel chunk of 256 KiB) was counted
  // as header bytes of a next message that had not begun.
  it('splits a large response whose last read ends exactly at its end', () => {
    const body = 1 << 20;
    const input = `HTTP/1.1 200 OK\r\nContent-Length: ${body}\r\n\r\n${'b'.repeat(body)}`;
    const head = input.length - body;
    const { messages } = split('response', input, 256 * 1024 + head);
    expect(messages.map((m) => [m.head, m.bytes.length])).toEqual([['200', input.length]]);
  });

  // Regression (fuzz-http): http-parser-js counted the first request's 100 KB body as header bytes
  // of the next one when both were in one chunk ("max header size exceeded").
  it.each([1 << 20, 4096])('splits a request with a large body followed by the next head, in %i-byte chunks', (size) => {
    const big = `POST /up HTTP/1.1\r\nContent-Length: 100000\r\n\r\n${'a'.repeat(100_000)}`;
    const input = `${big}GET /next HTTP/1.1\r\nHost: x\r\n\r\n`;
    const { messages } = split('request', input, size);
    expect(messages.map((m) => m.head)).toEqual(['POST /up', 'GET /next']);
    expect(messages.map((m) => m.bytes).join('')).toBe(input);
  });

  it('refuses a head, a chunk-size line or a trailer larger than MAX_HEAD_BYTES', () => {
    const long = 'x'.repeat(MAX_HEAD_BYTES + 10);
    expect(() => split('request', `GET / HTTP/1.1\r\nX: ${long}`, 1000)).toThrow(/HTTP parse error: .*larger than/);
    expect(() => split('request', `GET / HTTP/1.1\r\nX: ${long}\r\n\r\n`, 1 << 20)).toThrow(/HTTP parse error: .*larger than/);
    expect(() => split('request', `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${'f'.repeat(MAX_HEAD_BYTES + 10)}`, 1000)).toThrow(/HTTP parse error: line larger than/);
    expect(() => split('request', `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: ${long}`, 1000)).toThrow(/HTTP parse error: line larger than/);
  });

  // Regressions (fuzz-http): a Content-Length that is not digits made http-parser-js's read
  // position NaN (the head was handed on, then held again) or move backwards.
  it.each(['2W398', '-1', '1e3', '0x10', ''])('refuses Content-Length %j before announcing the head', (value) => {
    const heads: string[] = [];
    const s = new HttpMessageSplitter('request', { onHead: (h) => { heads.push(h.url); }, onBytes: () => {}, onComplete: () => {}, onRaw: () => {} });
    const input = Buffer.from(`POST /x HTTP/1.1\r\nContent-Length: ${value}\r\n\r\nabcdef`);
    expect(() => s.push(input)).toThrow(/HTTP parse error: invalid Content-Length/);
    expect(heads).toEqual([]);
    expect(s.takeHeld().length).toBe(0); // the caller passes takeHeld() + the chunk on: each byte once
  });

  // Regression (fuzz-http input 429597, seed 7): a chunk size of "-10" made http-parser-js loop forever.
  it.each(['-10', 'zz', '-0x1'])('refuses chunk size %j', (size) => {
    const input = `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n${size}\r\nX-Trailer: t\r\n\r\n`;
    expect(() => split('request', input, 3)).toThrow(/HTTP parse error: invalid chunk size/);
  });

  it('a head that grows past the limit is refused without keeping the last read', () => {
    const s = new HttpMessageSplitter('request', { onHead: () => {}, onBytes: () => {}, onComplete: () => {}, onRaw: () => {} });
    const first = Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(60_000)}`);
    s.push(first);
    expect(() => s.push(Buffer.alloc(30_000, 0x62))).toThrow(/larger than/);
    expect(s.takeHeld().equals(first)).toBe(true);
  });

  it('completes a response read until the close when the stream ends', () => {
    const completed: number[] = [];
    let bytes = '';
    const s = new HttpMessageSplitter('response', { onHead: () => {}, onBytes: (b) => { bytes += b.toString(); }, onComplete: (h) => { completed.push(h.statusCode); }, onRaw: () => {} });
    const input = 'HTTP/1.1 200 OK\r\nX: y\r\n\r\nbody until close';
    s.push(Buffer.from(input));
    s.end();
    expect(completed).toEqual([200]);
    expect(bytes).toBe(input);
  });

  // Regression (fuzz-http input 113495, seed 7): the raw bytes after an upgrade request with a
  // body were read on by the parser as a next request and lost.
  it.each([1, 7, 1000])('hands the bytes after an upgrade request with a body over raw, in %i-byte chunks', (size) => {
    const head = 'POST /ws HTTP/1.1\r\nContent-Length: 5\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nhello';
    const { messages, raw } = split('request', `${head}\x81\x05raw bytes`, size);
    expect(messages.map((m) => m.bytes)).toEqual([head]);
    expect(raw).toBe('\x81\x05raw bytes');
  });

  it('throws on bytes that are not HTTP', () => {
    expect(() => split('request', '\x16\x03\x01\x02\x00garbage\r\n\r\n', 100)).toThrow(/HTTP parse error/);
  });
});
