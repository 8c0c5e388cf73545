// Golden bytes of the layer channel: the C side (protobuf-c, layer/src/proxy_conn.c) writes and
// reads exactly these frames; a change here must be made on both sides.
import { PassThrough } from 'node:stream';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeProxyMessage, layerPb, readLayerMessages, type LayerMessage } from './layer-channel.js';

describe('layer channel framing', () => {
  it('encodes a ConnectAnswer frame as the layer expects', () => {
    const bytes = encodeProxyMessage({ id: 7, connect: { action: layerPb.ConnectAction.CONNECT_REDIRECT, redirect: { address: '127.0.0.1', port: 4242 }, cacheable: true } });
    expect(Buffer.from(bytes).toString('hex')).toBe('18' + '0807' + '5a14' + '0801' + '120e' + '0a093132372e302e302e31' + '109221' + '2001');
  });

  it('splits a byte stream into LayerMessages across chunk boundaries', () => {
    const one = layerPb.LayerMessage.encodeDelimited({ id: 1, open: { path: '/etc/hosts', flags: 0x80000, pid: 42 } }).finish();
    const two = layerPb.LayerMessage.encodeDelimited({ id: 0, listen: { transport: layerPb.Transport.TCP, port: 8080, address: '0.0.0.0', pid: 42 } }).finish();
    const stream = new PassThrough();
    const got: LayerMessage[] = [];
    readLayerMessages(stream as unknown as Socket, (m) => got.push(m), (err) => { throw err; });
    const all = Buffer.concat([one, two]);
    for (let i = 0; i < all.length; i += 3) stream.write(all.subarray(i, i + 3));
    expect(got.map((m) => m.body)).toEqual(['open', 'listen']);
    expect(got[0]?.open?.path).toBe('/etc/hosts');
    expect(got[1]?.listen?.port).toBe(8080);
  });

  it('delivers the messages before a malformed frame, then reports it', () => {
    const good = layerPb.LayerMessage.encodeDelimited({ id: 1, open: { path: '/a', flags: 0, pid: 1 } }).finish();
    const stream = new PassThrough();
    const got: string[] = [];
    readLayerMessages(stream as unknown as Socket, (m) => got.push(`message ${m.open?.path}`), (err) => got.push(`error ${err.message}`));
    // 82 MiB announced: above the 80 MiB a file write-back may take.
    stream.write(Buffer.concat([good, Buffer.from([0x80, 0x80, 0x80, 0x29])]));
    expect(got).toEqual(['message /a', 'error layer frame too large or malformed (85983232 bytes)']);
  });

  it('reports an undecodable body with the decoder\'s error', () => {
    const stream = new PassThrough();
    const errors: Error[] = [];
    readLayerMessages(stream as unknown as Socket, () => undefined, (err) => errors.push(err));
    stream.write(Buffer.from([0x03, 0x0a, 0x64, 0x01]));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/index out of range/);
  });
});
