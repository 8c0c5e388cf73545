// An outgoing `filter.remote` naming a Kubernetes short service name (`udp-logger`) matches the
// name the program asked for: the resolver expands it with the target's search list, and the
// datagram goes through the target (the pod's server sees the pod's address). A destination the
// filter does not name (a literal address of a server on the workstation's side of the veth)
// stays local (that server sees the workstation's own address, not the pod's).
// config-keys: feature.network.outgoing.filter.remote
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLayerTarget, type LayerTarget } from '../target-fixture.js';
import { buildGoStatic } from './build.js';
import { execToEnd } from './kmirror-exec.js';
import { startUdpServer, type UdpServer } from './udp-server.js';

const SEARCH = 'shop.svc.cluster.local';
let target: LayerTarget;
let server: UdpServer;
let goStatic: string;
let hostServer: Socket;
const hostReceived = new Map<string, string>();

beforeAll(async () => {
  goStatic = buildGoStatic('udpsend');
  target = await createLayerTarget({ names: [`udp-logger.${SEARCH}`], search: SEARCH });
  server = await startUdpServer(target.ns, target.podIp);
  hostServer = createSocket('udp4');
  hostServer.on('message', (m, r) => { hostReceived.set(m.toString(), r.address); hostServer.emit('got', m.toString()); });
  await new Promise<void>((resolve) => hostServer.bind(0, target.ns.hostIp, resolve));
});

afterAll(() => {
  hostServer?.close();
  target?.cleanup();
});

/** The sender address of datagram `text` at the workstation-side server, once it arrived (bounded: 10 s). */
function hostGot(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => { const from = hostReceived.get(text); if (from) { clearTimeout(timer); hostServer.off('got', check); resolve(from); } return !!from; };
    const timer = setTimeout(() => { hostServer.off('got', check); reject(new Error(`datagram "${text}" never reached the workstation-side server`)); }, 10_000);
    if (!check()) hostServer.on('got', check);
  });
}

const PY = `import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for dest in sys.argv[2:]:
    host, port = dest.rsplit(':', 1)
    s.sendto(f"{sys.argv[1]}@{dest}".encode(), (host, int(port)))
`;

describe('outgoing filter.remote with a short service name', () => {
  const cases: Array<[string, (dests: string[]) => string[]]> = [
    ['Python (glibc getaddrinfo, search list)', (d) => ['python3', '-c', PY, 'py', ...d]],
    ['static Go (its own resolver, search list)', (d) => [goStatic, 'go', ...d]],
  ];
  for (const [name, argv] of cases) {
    it(`${name}: the named service through the target, a literal address locally`, async () => {
      const short = `udp-logger:${server.port}`;
      const literal = `${target.ns.hostIp}:${(hostServer.address()).port}`;
      const tag = argv([])[0] === goStatic ? 'go' : 'py';
      const r = await execToEnd({
        target: `pid/${target.pid}`, argv: argv([short, literal]),
        config: { feature: { network: { incoming: 'off', outgoing: { filter: { remote: ['udp-logger'] } } } } },
      });
      expect(r.code, r.stderr).toBe(0);
      expect((await server.waitFor(`${tag}@${short}`)).from).toBe(target.podIp);
      expect(await hostGot(`${tag}@${literal}`)).toBe(target.ns.hostIp);
    });
  }
});
