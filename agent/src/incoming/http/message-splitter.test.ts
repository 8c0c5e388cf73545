import { describe, expect, it } from 'vitest';
import { HttpMessageSplitter } from './message-splitter.js';

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

  it('throws on bytes that are not HTTP', () => {
    expect(() => split('request', '\x16\x03\x01\x02\x00garbage\r\n\r\n', 100)).toThrow(/HTTP parse error/);
  });
});
