// Reading one response for replay comparisons: 1 MiB in one chunk, chunked, HEAD, 100 Continue, bad input.
import { describe, expect, it } from 'vitest';
import { parseRecordedResponse, ResponseReader } from './http-response.js';
import { http } from './test-recordings.js';

describe('ResponseReader', () => {
  it('reads a 1 MiB body that arrives in one chunk', () => {
    const big = 'z'.repeat(1 << 20);
    const response = parseRecordedResponse(Buffer.from(http.ok(big, 201)), false);
    expect(response).toMatchObject({ status: 201, complete: true });
    // Buffer.equals, not toMatchObject: the matcher walks a 1 MiB Buffer element by element (≈ 7 s, 20 s on a busy machine).
    expect(response?.body.equals(Buffer.from(big))).toBe(true);
  });

  it('de-chunks, skips 100 Continue, reads HEAD answers without a body', () => {
    expect(parseRecordedResponse(Buffer.from(`HTTP/1.1 100 Continue\r\n\r\n${http.chunked(['ab', 'c'], 503)}`), false)).toMatchObject({ status: 503, body: Buffer.from('abc'), complete: true });
    const head = new ResponseReader(true);
    expect(head.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n'))).toBe(true);
    expect(head.result()?.body.length).toBe(0);
  });

  it('reports garbage and endless heads as errors', () => {
    const r = new ResponseReader(false);
    r.push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'));
    expect(r.error?.message).toMatch(/the response is not HTTP\/1\.x/);
    const long = new ResponseReader(false);
    long.push(Buffer.from(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(90 * 1024)}`));
    expect(long.error?.message).toBe('the response head is longer than 81920 bytes');
  });
});
