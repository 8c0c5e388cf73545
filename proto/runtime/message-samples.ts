// One sample of every tunnel message kind, with non-default values (codec tests and the fuzzer's seeds).
import type { Msg } from './messages.js';

const stat = { type: 'directory' as const, mode: 0o40755, size: 2 ** 40, uid: 1, gid: 2, ino: 3, nlink: 4, dev: 5, atimeMs: 6, mtimeMs: 1.7e12, ctimeMs: 8 };
const addr = { address: 'fd00::1', port: 443 };

/** One of every message kind, with non-default values. */
export const SAMPLES: Msg[] = [
  { kind: 'hello', protocolVersion: 1, capabilities: ['a', 'b'], token: 't', clientName: 'c' },
  { kind: 'helloAck', protocolVersion: 1, capabilities: ['tcp'], agentVersion: '0.1', target: 'pid/1', maxFrameBytes: 1024 },
  { kind: 'ping', nonce: 7 }, { kind: 'pong', nonce: 8 },
  { kind: 'error', code: 'UNAUTHENTICATED', message: 'no' },
  { kind: 'tcpConnect', host: 'h', port: 80, initialWindow: 65536, timeoutMs: 100 },
  { kind: 'tcpConnected', local: { address: '10.0.0.1', port: 1 }, remote: addr, initialWindow: 9 },
  { kind: 'data', payload: Buffer.from('payload') },
  { kind: 'windowUpdate', increment: 4096 }, { kind: 'shutdown' }, { kind: 'close', reset: true, reason: 'r' },
  { kind: 'udpOpen', ipv6: true }, { kind: 'udpOpened', local: addr },
  { kind: 'udpDatagram', peer: addr, payload: Buffer.from([1, 2, 3]) },
  { kind: 'resolveRequest', name: 'n', family: 'ipv6' }, { kind: 'resolveResponse', addresses: ['1.2.3.4'], source: 'hosts' },
  { kind: 'dnsQuery', packet: Buffer.from([9]), server: addr }, { kind: 'dnsAnswer', packet: Buffer.from([8]) },
  { kind: 'fileOpen', path: '/etc/hosts', write: true, create: true, append: true, createMode: 0o600 }, { kind: 'fileOpened', stat },
  { kind: 'fileRead', offset: 2 ** 33, length: 10 }, { kind: 'fileData', offset: 5, data: Buffer.from('x'), eof: true },
  { kind: 'fileStatRequest', path: '/p', noFollow: true }, { kind: 'fileStat', ...stat, type: 'symlink' },
  { kind: 'fileReaddir', path: '/d' }, { kind: 'fileReaddirResult', entries: [{ name: 'a', type: 'file' }, { name: 'b', type: 'other' }] },
  { kind: 'fileClose' },
  { kind: 'fileWrite', offset: 2 ** 33, data: Buffer.from('w') }, { kind: 'fileTruncate', size: 3 }, { kind: 'fileWritten', length: 1, size: 2 ** 33 + 1 }, { kind: 'envRequest' }, { kind: 'envResponse', vars: { A: '1', B: '' } },
  { kind: 'subscribe', port: 80, mode: 'steal', transport: 'udp', httpFilter: { headerFilter: 'x-user: me', anyOf: [{ pathFilter: '^/a' }, { methodFilter: 'POST' }] } },
  { kind: 'subscribed', listen: addr }, { kind: 'unsubscribe' },
  { kind: 'incomingConnection', subscriptionStreamId: 3, source: addr, destination: { address: '1.1.1.1', port: 2 }, mode: 'mirror', initialWindow: 5, transport: 'tcp' },
  { kind: 'mirrorGap', offset: 100, length: 20 }, { kind: 'unsubscribed', reason: 'gone' },
  { kind: 'inspectorOpen', pid: 7, port: 9229, timeoutMs: 5000 }, { kind: 'inspectorOpened', pid: 7, command: 'node server.js', port: 9229, alreadyOpen: true },
];
