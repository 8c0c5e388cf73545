// The generated tunnel codec: every Frame oneof case survives encode -> decode unchanged.
import { describe, expect, it } from 'vitest';
import { decodeFrameBody, encodeFrameBody } from './codec.js';
import { MSG_KINDS } from './messages.js';
import { SAMPLES } from './message-samples.js';

describe('tunnel codec', () => {
  it('has a sample of every oneof case of Frame', () => {
    expect(SAMPLES.map((m) => m.kind).sort()).toEqual([...MSG_KINDS].sort());
  });

  it('round-trips every oneof case', () => {
    for (const [i, msg] of SAMPLES.entries()) {
      expect(decodeFrameBody(encodeFrameBody({ streamId: i + 1, msg })), msg.kind).toEqual({ streamId: i + 1, msg });
    }
  });

  it('decodes absent fields as their defaults and leaves optional ones out', () => {
    const bytes = encodeFrameBody({ streamId: 3, msg: { kind: 'tcpConnected', local: { address: '', port: 0 }, remote: { address: '', port: 0 }, initialWindow: 0 } });
    expect(decodeFrameBody(bytes)).toEqual({ streamId: 3, msg: { kind: 'tcpConnected', local: { address: '', port: 0 }, remote: { address: '', port: 0 }, initialWindow: 0 } });
    expect(decodeFrameBody(encodeFrameBody({ streamId: 1, msg: { kind: 'subscribed' } }))).toStrictEqual({ streamId: 1, msg: { kind: 'subscribed' } });
    expect(decodeFrameBody(encodeFrameBody({ streamId: 1, msg: { kind: 'fileOpen', path: '/x' } }))).toStrictEqual({ streamId: 1, msg: { kind: 'fileOpen', path: '/x' } });
  });
});
