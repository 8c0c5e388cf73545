// Unix stream sockets of the target: a connect to a path that `outgoing.unix_streams` (mirrord's
// key) names is made inside the target — the agent connects to the socket under the target's
// root and relays. The target's socket lives in its private /mnt (the workstation has no such
// path); its server answers "pod <line>". A path the settings do not name stays local.
// config-keys: feature.network.outgoing.unix_streams
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { buildGoStatic } from './build.js';
import { execToEnd } from './kmirror-exec.js';
import { startTarget } from './target.js';

const SOCK = '/mnt/sock/app.sock';
let ns: TestNetns;
let targetPid: number;
let goStatic: string;

const SERVER = `require('net').createServer((s) => s.once('data', (d) => s.end('pod ' + d.toString().trim() + '\\n'))).listen('${SOCK}')`;
const PY = `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1]); s.sendall(b"py\\n")
print(s.makefile().readline().strip())
`;
const NODE = `const s = require('net').connect(process.argv[1], () => s.write('node\\n')); s.on('data', (d) => process.stdout.write(d));`;

beforeAll(async () => {
  requireRoot();
  goStatic = buildGoStatic('unixdial');
  ns = createNetns();
  targetPid = await startTarget(ns, `mount -t tmpfs kmirror-sock /mnt && mkdir /mnt/sock && (${process.execPath} -e "${SERVER}" &) && while [ ! -S ${SOCK} ]; do sleep 0.05; done`);
});

afterAll(() => ns?.cleanup());

const config = { feature: { network: { incoming: 'off', outgoing: { unix_streams: ['^/mnt/sock/'] } } } };

describe('Unix stream sockets in the target', () => {
  const programs: Array<[string, string, () => string[]]> = [
    ['Python', 'py', () => ['python3', '-c', PY, SOCK]],
    ['Node', 'node', () => [process.execPath, '-e', NODE, SOCK]],
    ['static Go', 'go', () => [goStatic, SOCK]],
  ];
  for (const [name, tag, argv] of programs) {
    it(`${name}: connects to the target's socket`, async () => {
      const r = await execToEnd({ target: `pid/${targetPid}`, argv: argv(), config });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(`pod ${tag}`);
    });
  }

  it('a path unix_streams does not name stays local (absent here: ENOENT/refused)', async () => {
    const r = await execToEnd({ target: `pid/${targetPid}`, argv: ['python3', '-c', PY, SOCK], config: { feature: { network: { incoming: 'off' } } } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/FileNotFoundError|No such file/);
  });
});
