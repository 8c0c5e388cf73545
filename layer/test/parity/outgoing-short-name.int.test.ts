// An outgoing `filter.remote` naming a Kubernetes short service name (`udp-logger`) matches the
// name the program asked for: the resolver expands it with the target's search list, and the
// datagram goes through the target (the pod's server sees the pod's address). A destination the
// filter does not name (a literal address) stays local (the server sees the host's side).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLayerTarget, type LayerTarget } from '../target-fixture.js';
import { buildGoStatic } from './build.js';
import { execToEnd } from './kmirror-exec.js';
import { startUdpServer, type UdpServer } from './udp-server.js';

const SEARCH = 'shop.svc.cluster.local';
let target: LayerTarget;
let server: UdpServer;
let goStatic: string;

beforeAll(async () => {
  goStatic = buildGoStatic('udpsend');
  target = await createLayerTarget({ names: [`udp-logger.${SEARCH}`], search: SEARCH });
  server = await startUdpServer(target.ns, target.podIp);
});

afterAll(() => target?.cleanup());

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
      const literal = `${target.podIp}:${server.port}`;
      const tag = argv([])[0] === goStatic ? 'go' : 'py';
      const r = await execToEnd({
        target: `pid/${target.pid}`, argv: argv([short, literal]),
        config: { feature: { network: { incoming: 'off', outgoing: { filter: { remote: ['udp-logger'] } } } } },
      });
      expect(r.code, r.stderr).toBe(0);
      expect((await server.waitFor(`${tag}@${short}`)).from).toBe(target.podIp);
      expect((await server.waitFor(`${tag}@${literal}`)).from).toBe(target.ns.hostIp);
    });
  }
});
