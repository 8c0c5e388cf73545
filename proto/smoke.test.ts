import { describe, expect, it } from 'vitest';
import { kmirror } from './gen/tunnel.js';

describe('generated tunnel code', () => {
  it('round-trips a frame', () => {
    const bytes = kmirror.tunnel.v1.Frame.encodeDelimited({ streamId: 3, ping: { nonce: 7 } }).finish();
    const back = kmirror.tunnel.v1.Frame.decodeDelimited(bytes);
    expect(back.streamId).toBe(3);
    expect(back.body).toBe('ping');
    expect(Number(back.ping?.nonce)).toBe(7);
  });
});
