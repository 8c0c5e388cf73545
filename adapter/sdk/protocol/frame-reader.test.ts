// Framing limits of the DAP reader: split and joined frames, bad headers, oversized and deeply
// nested bodies, each reported and skipped with the stream kept in step.
import { describe, expect, it } from 'vitest';
import { FrameReader, type Frame } from './frame-reader.js';

function frame(body: string): string {
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

function reader(limits = {}) {
  const frames: Frame[] = [];
  const r = new FrameReader((f) => frames.push(f), limits);
  return { push: (s: string | Buffer) => r.push(Buffer.from(s)), frames };
}

const values = (frames: Frame[]) => frames.map((f) => (f.ok ? f.value : `${f.kind}: ${f.reason}`));

describe('FrameReader', () => {
  it('reads frames split across chunks, several in one chunk, and multi-byte bodies', () => {
    const { push, frames } = reader();
    const bytes = Buffer.from(frame('{"a":"héllo ✓"}') + frame('[1]'));
    for (let i = 0; i < bytes.length; i += 3) push(bytes.subarray(i, i + 3));
    push(frame('1') + frame('2'));
    expect(values(frames)).toEqual([{ a: 'héllo ✓' }, [1], 1, 2]);
  });

  it('reports a header without Content-Length, bad JSON and an empty body, and reads on', () => {
    const { push, frames } = reader();
    push('X-Nothing: 1\r\n\r\n' + frame('{x}') + 'Content-Length: 0\r\n\r\n' + frame('{}'));
    expect(values(frames)).toEqual([
      expect.stringMatching(/^header: frame header without Content-Length: "X-Nothing: 1"/),
      expect.stringMatching(/^json: invalid JSON in frame/),
      expect.stringMatching(/^json: invalid JSON in frame/),
      {},
    ]);
  });

  it('drops a header that never ends', () => {
    const { push, frames } = reader({ maxHeaderBytes: 16 });
    push('x'.repeat(40));
    push(frame('{}'));
    expect(values(frames)).toEqual([expect.stringMatching(/^header: header longer than 16 bytes/), {}]);
  });

  it('skips an oversized frame byte-exactly without keeping it', () => {
    const { push, frames } = reader({ maxFrameBytes: 10 });
    push(`Content-Length: 20\r\n\r\n${'['.repeat(12)}`);
    push(`${']'.repeat(8)}${frame('{"b":1}')}`);
    expect(values(frames)).toEqual([expect.stringMatching(/^size: frame of 20 bytes exceeds the limit of 10 bytes/), { b: 1 }]);
  });

  it('refuses a body nested deeper than the limit, keeping the top-level fields to answer it', () => {
    const { push, frames } = reader({ maxDepth: 4 });
    push(frame('['.repeat(5000) + ']'.repeat(5000)));
    push(frame(`{"seq":3,"type":"request","command":"launch","arguments":${'['.repeat(10)}${']'.repeat(10)}}`));
    push(frame('{"s":"[[[[[[[[[[\\"[[[[[[[["}')); // brackets inside strings do not count
    push(frame('[[[[1]]]]'));
    expect(frames[0]).toMatchObject({ ok: false, kind: 'depth', reason: 'frame nested deeper than 4 levels', topLevel: undefined });
    expect(frames[1]).toMatchObject({ ok: false, kind: 'depth', topLevel: { seq: 3, type: 'request', command: 'launch' } });
    expect(values(frames.slice(2))).toEqual([{ s: '[[[[[[[[[["[[[[[[[[' }, [[[[1]]]]]);
  });
});
