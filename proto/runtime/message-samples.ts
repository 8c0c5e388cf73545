// One sample of every tunnel message kind, with non-default values (codec tests and the fuzzer's seeds).
import type { Msg } from './messages.js';

const stat = { type: 'directory' as const, mode: 0o40755, size: 2 ** 40, uid: 1, gid: 2, ino: 3, nlink: 4, dev: 5, atimeMs: 6, mtimeMs: 1.7e12, ctimeMs: 8 };
const addr = { address: 'fd00::1', port: 443 };

/** One of every message kind, with non-default values. */
export const SAMPLES: Msg[] = [
  { kind: 'hello', protocolVersion: 1, capabilities: ['a', 'b'], token: 't', clientName: 'c', user: 'alice', host: 'laptop', startedAtMs: 1.7e12, clientPid: 42 },
  { kind: 'helloAck', protocolVersion: 1, capabilities: ['tcp'], agentVersion: '0.1', target: 'pid/1', maxFrameBytes: 1024, sessionId: 3 },
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
  { kind: 'fileWrite', offset: 2 ** 33, data: Buffer.from('w') }, { kind: 'fileTruncate', size: 3 }, { kind: 'fileWritten', length: 1, size: 2 ** 33 + 1 },
  { kind: 'fsMkdir', path: '/d', mode: 0o755 }, { kind: 'fsRemove', path: '/d', directory: true }, { kind: 'fsRename', fromPath: '/a', toPath: '/b' },
  { kind: 'fsStatfsRequest', path: '/' }, { kind: 'unixConnect', path: '/run/app.sock', initialWindow: 65536 },
  { kind: 'fsResult', errnoCode: 0, message: '', statfs: { type: 0x01021994, bsize: 4096, blocks: 2 ** 33, bfree: 7, bavail: 6, files: 100, ffree: 50, namelen: 255 } }, { kind: 'envRequest' }, { kind: 'envResponse', vars: { A: '1', B: '' } },
  { kind: 'subscribe', port: 80, mode: 'steal', transport: 'udp', httpFilter: { headerFilter: 'x-user: me', anyOf: [{ pathFilter: '^/a' }, { methodFilter: 'POST' }] } },
  { kind: 'subscribed', listen: addr }, { kind: 'unsubscribe' },
  { kind: 'incomingConnection', subscriptionStreamId: 3, source: addr, destination: { address: '1.1.1.1', port: 2 }, mode: 'mirror', initialWindow: 5, transport: 'tcp' },
  { kind: 'mirrorGap', offset: 100, length: 20 }, { kind: 'unsubscribed', reason: 'gone' },
  { kind: 'subscriptionWarning', message: 'overlap', otherSessionId: 2 }, { kind: 'sessionsRequest' },
  { kind: 'sessionsList', sessions: [{ id: 1, user: 'bob', host: 'h', startedAtMs: 5, clientName: 'c', clientPid: 9, self: true, subscriptions: [{ port: 80, mode: 'steal', transport: 'tcp', filter: '{"header_filter":"x"}', sinceMs: 6 }] }] },
  { kind: 'recordedConnection', connectionId: 7, client: addr, server: { address: '10.0.0.2', port: 8080 }, startUs: 1.7e15, endUs: 1.7e15 + 5, reset: true, synSeen: true },
  { kind: 'recordedSegment', connectionId: 7, direction: 'out', timeUs: 1.7e15 + 1, offset: 2 ** 33, data: Buffer.from('HTTP/1.1 200 OK') },
  { kind: 'recordedGap', connectionId: 7, direction: 'in', timeUs: 1.7e15 + 2, offset: 10, length: 20, reason: 'ring buffer overrun' },
  { kind: 'traceStart', gadgets: ['tcp', 'dns'], filter: { pids: [7], comm: 'curl', ports: [53] }, maxEventsPerSecond: 10 },
  { kind: 'traceStarted', gadgets: ['tcp'], netns: 4026532177 },
  { kind: 'traceEvents', events: [
    { timeUs: 1.7e15, process: { pid: 1, tid: 2, ppid: 3, uid: 4, comm: 'c' }, tcp: { kind: 'close', local: addr, remote: addr, ipv6: true, bytesSent: 2 ** 33, bytesReceived: 5, durationUs: 6, error: -111 } },
    { timeUs: 1, process: { pid: 0, tid: 0, ppid: 0, uid: 0, comm: '' }, dns: { kind: 'answer', id: 9, name: 'a.b', type: 'A', answers: [{ name: 'a.b', type: 'A', ttl: 5, data: '1.2.3.4' }], rcode: 'NOERROR', latencyUs: 7, client: addr, server: addr } },
    { timeUs: 2, process: { pid: 1, tid: 1, ppid: 0, uid: 0, comm: 'sh' }, exec: { filename: '/bin/sh', argv: ['sh', '-c', 'x'] } },
    { timeUs: 3, process: { pid: 1, tid: 1, ppid: 0, uid: 0, comm: 'sh' }, open: { path: '/etc/hosts', flags: 0o100, mode: 0o644, result: -2 } },
  ] },
  { kind: 'traceStats', gadgets: [{ gadget: 'tcp', events: 1, dropped: 2, suppressed: 3, filtered: 4 }] },
  { kind: 'traceStop' }, { kind: 'traceEnded', reason: 'stopped' },
  { kind: 'snapshotRequest', kinds: ['processes', 'sockets'] },
  { kind: 'snapshotResult', timeUs: 5, processes: [{ pid: 1, ppid: 0, uid: 0, comm: 'init', argv: ['/init'], state: 'S', rssBytes: 4096, startTimeUs: 9 }],
    sockets: [{ protocol: 'udp', ipv6: true, local: addr, remote: addr, state: 'UNCONN', uid: 0, inode: 77, pids: [1] }] },
  { kind: 'inspectorOpen', pid: 7, port: 9229, timeoutMs: 5000 }, { kind: 'inspectorOpened', pid: 7, command: 'node server.js', port: 9229, alreadyOpen: true },
  { kind: 'processHold', pid: 7, debugger: 'go' }, { kind: 'processHeld', pid: 7, command: '/app/server', detail: 'Go executable' },
];
