// Seed inputs for the supervisor's libFuzzer target (layer/fuzz/proxy_messages_fuzz.c), encoded
// by the proxy's own encoder so they are exactly what the supervisor reads: one byte choosing the
// read size, then frames. libFuzzer mutates from these (and what it learns) into the corpus.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeProxyMessage, layerPb, type ProxyMessageProps } from '#runtime/proxy/layer-channel.js';

const P = layerPb;
const stat = { mode: 0o100644, size: 1234, uid: 1000, gid: 1000, ino: 42, nlink: 1, dev: 2049, atimeMs: 1_700_000_000_123, mtimeMs: -1, ctimeMs: 0 };

const SESSIONS: ProxyMessageProps[][] = [
  [{ id: 0, helloAck: { protocolVersion: 1, defaultPathAction: P.PathAction.PATH_REMOTE, outgoingTcp: true, outgoingUdp: true, incoming: true,
    pathRules: [{ pattern: '^/usr(/|$)', action: P.PathAction.PATH_LOCAL }, { pattern: '^/etc/(hosts|resolv\\.conf)$', action: P.PathAction.PATH_REMOTE, readOnly: true },
      { pattern: '\\.so(\\.[0-9]+)*$', action: P.PathAction.PATH_LOCAL }, { pattern: '^/proc/', action: P.PathAction.PATH_NOT_FOUND }],
    excludePorts: [9229, 5678], skipExes: ['go', 'cargo'], sessionId: 's1', hostname: 'web-7d9f-abcde', remoteWrites: true, unixStreams: true } }],
  [{ id: 7, connect: { action: P.ConnectAction.CONNECT_REDIRECT, redirect: { address: '127.0.0.1', port: 40123 }, cacheable: true } },
    { id: 8, connect: { action: P.ConnectAction.CONNECT_FAIL, errnoCode: 111 } },
    { id: 9, connect: { action: P.ConnectAction.CONNECT_REDIRECT, redirect: { address: '::ffff:10.0.0.1', port: 53 } } },
    { id: 10, connect: { action: P.ConnectAction.CONNECT_REDIRECT, redirect: { address: '/tmp/kmirror-x/u1.sock' } } }],
  [{ id: 3, open: { action: P.FileAction.FILE_CONTENT, content: Buffer.from('127.0.0.1 localhost\n') } },
    { id: 4, open: { action: P.FileAction.FILE_DIRECTORY, entries: [{ name: 'a', type: P.EntryType.ENTRY_FILE }, { name: 'd', type: P.EntryType.ENTRY_DIRECTORY }, { name: '..' }, { name: 'x/y' }] } },
    { id: 5, open: { action: P.FileAction.FILE_FAIL, errnoCode: 2 } }],
  [{ id: 11, stat: { action: P.FileAction.FILE_CONTENT, stat } }, { id: 12, stat: { action: P.FileAction.FILE_FAIL, errnoCode: 13 } }],
  [{ id: 13, listen: { subscribed: true } }, { id: 14, write: { errnoCode: 28 } },
    { id: 15, fsChange: { statfs: { type: 0xef53, bsize: 4096, blocks: 1e6, bfree: 5e5, bavail: 4e5, files: 1e5, ffree: 9e4, namelen: 255 } } },
    { id: 16, fsChange: { local: true } }],
];

/** Writes the seed inputs into `dir` (created); returns how many. */
export function writeProxyMessageSeeds(dir: string): number {
  mkdirSync(dir, { recursive: true });
  SESSIONS.forEach((messages, i) => {
    const frames = messages.map((m) => Buffer.from(encodeProxyMessage(m)));
    writeFileSync(join(dir, `seed-${i}`), Buffer.concat([Buffer.from([i * 37]), ...frames]));
  });
  return SESSIONS.length;
}
