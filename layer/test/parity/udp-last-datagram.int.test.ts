// A program that sends UDP datagrams through the target and exits at once must not lose its
// last datagram while `kmirror exec` ends the session (the proxy's relay used to close agent
// sockets that were still opening: "tunnel closed: client closed the session"). 50 quick runs,
// C and Python alternating, each delivering its last datagram to the pod's server. (Before the
// fix, with the proxy's and the agent's UDP close reverted, this test lost datagrams and ran
// into its time limit; it now stops at the first loss.)
// config-keys: feature.network.outgoing.udp
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, spawnSleepTarget, type TestNetns } from '#test/harness/netns.js';
import { buildC } from './build.js';
import { execToEnd } from './kmirror-exec.js';
import { startUdpServer, type UdpServer } from './udp-server.js';

const RUNS = 50;
let ns: TestNetns;
let targetPid: number;
let server: UdpServer;
let burstC: string;
const PY = `import socket, sys, os
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
n = int(sys.argv[4])
for i in range(1, n + 1):
    s.sendto(f"{sys.argv[3]}-{'last' if i == n else i}".encode(), (sys.argv[1], int(sys.argv[2])))
os._exit(0)
`;

beforeAll(async () => {
  requireRoot();
  burstC = buildC('udp_burst');
  ns = createNetns();
  targetPid = await spawnSleepTarget(ns, {});
  server = await startUdpServer(ns, ns.podIp);
});

afterAll(() => ns?.cleanup());

describe('outgoing UDP: the last datagram of a program that exits at once', () => {
  it(`arrives in each of ${RUNS} runs (C and Python)`, async () => {
    const failures: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      const tag = `run${run}`;
      const argv = run % 2 ? ['python3', '-c', PY, ns.podIp, String(server.port), tag, '3'] : [burstC, ns.podIp, String(server.port), tag, '3'];
      const r = await execToEnd({ target: `pid/${targetPid}`, argv, config: { feature: { network: { incoming: 'off', outgoing: { udp: true } } } } });
      expect(r.code, r.stderr).toBe(0);
      if (/tunnel closed/.test(r.stderr)) failures.push(`${tag}: ${r.stderr.trim()}`);
      const last = await server.waitFor(`${tag}-last`).catch((e: Error) => { failures.push(`${tag}: ${e.message}`); return undefined; });
      if (last) expect(last.from).toBe(ns.podIp);   // sent from inside the target
      if (failures.length) break;   // one lost datagram fails the test; no need to wait for more
    }
    expect(failures).toEqual([]);
  });
});
