import { describe, expect, it } from 'vitest';
import { checkWireBounds, MAX_FILE_OFFSET } from './wire-bounds.js';

const refusal = (f: () => void): unknown => { try { f(); return undefined; } catch (e) { return e; } };

describe('checkWireBounds', () => {
  it('refuses a create_mode beyond the permission bits, naming the field and the bound', () => {
    expect(refusal(() => checkWireBounds({ kind: 'fileOpen', path: '/x', write: true, createMode: 2 ** 31 }))).toMatchObject({
      code: 'INVALID_ARGUMENT', message: 'file_open: create_mode 2147483648 is out of range (0..4095)',
    });
    expect(refusal(() => checkWireBounds({ kind: 'fileOpen', path: '/x', write: true, createMode: 0o4755 }))).toBeUndefined();
  });

  it('keeps file offsets where a JS number is exact, counting the bytes read or written', () => {
    expect(refusal(() => checkWireBounds({ kind: 'fileRead', offset: MAX_FILE_OFFSET - 10, length: 10 }))).toBeUndefined();
    expect(refusal(() => checkWireBounds({ kind: 'fileRead', offset: MAX_FILE_OFFSET - 9, length: 10 }))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(refusal(() => checkWireBounds({ kind: 'fileWrite', offset: 2 ** 63, data: Buffer.alloc(1) }))).toMatchObject({ message: expect.stringMatching(/^file_write: offset/) });
    expect(refusal(() => checkWireBounds({ kind: 'fileTruncate', size: 2 ** 64 }))).toMatchObject({ message: expect.stringMatching(/^file_truncate: size/) });
    expect(refusal(() => checkWireBounds({ kind: 'fileRead', offset: 0, length: 2 ** 20 + 1 }))).toMatchObject({ message: 'file_read: length 1048577 is out of range (0..1048576)' });
  });

  it('takes IP literals only for UDP peers and DNS servers', () => {
    expect(refusal(() => checkWireBounds({ kind: 'udpDatagram', peer: { address: 'example.com', port: 53 }, payload: Buffer.alloc(0) }))).toMatchObject({
      code: 'INVALID_ARGUMENT', message: 'udp_datagram: peer.address "example.com" is not an IP literal (resolve names with ResolveRequest first)',
    });
    expect(refusal(() => checkWireBounds({ kind: 'udpDatagram', peer: { address: '::1', port: 0 }, payload: Buffer.alloc(0) }))).toMatchObject({ message: 'udp_datagram: peer.port 0 is out of range (1..65535)' });
    expect(refusal(() => checkWireBounds({ kind: 'dnsQuery', packet: Buffer.alloc(12), server: { address: 'ns1', port: 53 } }))).toMatchObject({ message: expect.stringMatching(/^dns_query: server.address "ns1"/) });
    expect(refusal(() => checkWireBounds({ kind: 'dnsQuery', packet: Buffer.alloc(12) }))).toBeUndefined();
  });

  it('checks TCP connect ports and lets messages without numbers through', () => {
    expect(refusal(() => checkWireBounds({ kind: 'tcpConnect', host: 'db', port: 65536, initialWindow: 0, timeoutMs: 0 }))).toMatchObject({ message: 'tcp_connect: port 65536 is out of range (1..65535)' });
    expect(refusal(() => checkWireBounds({ kind: 'envRequest' }))).toBeUndefined();
  });
});
