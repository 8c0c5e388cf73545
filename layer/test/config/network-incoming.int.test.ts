// feature.network.incoming under `kmirror exec`: a local HTTP server (Python or Node) listens on
// the same port(s) as the pod's own server; a pod client (from the host side of the target's
// veth) sends requests. The answer tells who served it: "local …" (stolen to the program) or
// "pod …" (left with the pod). A config http_filter (valid patterns: the agent compiles them)
// must steal exactly the matching requests.
// config-keys: feature.network.incoming, feature.network.incoming.mode, feature.network.incoming.ports
// config-keys: feature.network.incoming.ignore_ports, feature.network.incoming.port_mapping
// config-keys: feature.network.incoming.http_filter, feature.network.incoming.http_filter.header_filter
// config-keys: feature.network.incoming.http_filter.path_filter, feature.network.incoming.http_filter.method_filter
// config-keys: feature.network.incoming.http_filter.all_of, feature.network.incoming.http_filter.any_of
// config-keys: feature.network.incoming.http_filter.ports
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, spawnSleepTarget, type TestNetns } from '#test/harness/netns.js';
import { startExec, type RunningExec } from '../parity/kmirror-exec.js';
import { buildStaticGo } from './net-fixtures.js';
import { httpFetch, startPodHttp, type PodHttp } from '../parity/pod-http.js';

const apps = join(dirname(fileURLToPath(import.meta.url)), 'apps');
let ns: TestNetns;
let targetPid: number;
let pod1: PodHttp;
let pod2: PodHttp;
let goServer: string;

beforeAll(async () => {
  requireRoot();
  goServer = buildStaticGo('localserver');
  ns = createNetns();
  targetPid = await spawnSleepTarget(ns, {});
  [pod1, pod2] = await Promise.all([startPodHttp(ns, ns.podIp), startPodHttp(ns, ns.podIp)]);
});

afterAll(() => ns?.cleanup());

const python = (...ports: number[]): string[] => ['python3', join(apps, 'http_ports.py'), ...ports.map(String)];
const node = (...ports: number[]): string[] => [process.execPath, join(apps, 'http_ports.mjs'), ...ports.map(String)];
const goStatic = (...ports: number[]): string[] => [goServer, 'http', ...ports.map(String)];

/** Runs `argv` under kmirror exec with `incoming`, once it printed "listening" (listen() returned: subscriptions settled) runs `body`. */
async function withProgram(argv: string[], incoming: unknown, body: (exec: RunningExec) => Promise<void>): Promise<void> {
  const exec = startExec({ target: `pid/${targetPid}`, argv, config: { feature: { network: { incoming } } } });
  try {
    await exec.waitLine(/^listening$/);
    await body(exec);
  } finally {
    await exec.stop();
  }
}

/** Who answered each request: the body of the answer ("local GET /a" or "pod GET /a"). */
async function ask(port: number, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<string> {
  return (await httpFetch(`http://${ns.podIp}:${port}${path}`, opts)).body;
}

async function freeLocalPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '0.0.0.0', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('feature.network.incoming', () => {
  it('"steal" (string form, Node): the program answers the pod\'s clients', async () => {
    await withProgram(node(pod1.port), 'steal', async () => {
      expect(await ask(pod1.port, '/a')).toBe('local GET /a');
      expect(await ask(pod1.port, '/b', { method: 'POST' })).toBe('local POST /b');
    });
    expect(pod1.served.filter((r) => r.path === '/a' || r.path === '/b')).toEqual([]);
  });

  it('mode "off" (Python): nothing is subscribed, the pod answers; "steal" on the same program then takes it', async () => {
    await withProgram(python(pod1.port), { mode: 'off' }, async (exec) => {
      expect(await ask(pod1.port, '/off')).toBe('pod GET /off');
      expect(exec.stdout.filter((l) => l.startsWith('got '))).toEqual([]);
    });
    await withProgram(python(pod1.port), { mode: 'steal' }, async () => {
      expect(await ask(pod1.port, '/on')).toBe('local GET /on');
    });
  });

  it('http_filter.header_filter (Python): only requests with the header are stolen', async () => {
    await withProgram(python(pod1.port), { mode: 'steal', http_filter: { header_filter: '^x-debug: (yes|1)$' } }, async (exec) => {
      expect(await ask(pod1.port, '/h1', { headers: { 'x-debug': 'yes' } })).toBe('local GET /h1');
      expect(await ask(pod1.port, '/h2')).toBe('pod GET /h2');
      expect(await ask(pod1.port, '/h3', { headers: { 'x-debug': 'no' } })).toBe('pod GET /h3');
      expect(await ask(pod1.port, '/h4', { headers: { 'x-debug': '1' } })).toBe('local GET /h4');
      expect(exec.stdout.filter((l) => l.startsWith('got '))).toEqual(['got GET /h1', 'got GET /h4']);
    });
  });

  it('http_filter.all_of path_filter + method_filter (Node): only requests matching both are stolen', async () => {
    await withProgram(node(pod1.port), { mode: 'steal', http_filter: { all_of: [{ path_filter: '^/api/' }, { method_filter: '^post$' }] } }, async () => {
      expect(await ask(pod1.port, '/api/x', { method: 'POST' })).toBe('local POST /api/x');
      expect(await ask(pod1.port, '/api/y')).toBe('pod GET /api/y');
      expect(await ask(pod1.port, '/other', { method: 'POST' })).toBe('pod POST /other');
    });
  });

  it('http_filter.any_of header_filter | path_filter (Python): requests matching either are stolen', async () => {
    await withProgram(python(pod1.port), { mode: 'steal', http_filter: { any_of: [{ header_filter: '^x-user: alice$' }, { path_filter: '^/debug(/|$)' }] } }, async () => {
      expect(await ask(pod1.port, '/home', { headers: { 'x-user': 'alice' } })).toBe('local GET /home');
      expect(await ask(pod1.port, '/debug/z')).toBe('local GET /debug/z');
      expect(await ask(pod1.port, '/home', { headers: { 'x-user': 'bob' } })).toBe('pod GET /home');
    });
  });

  it('http_filter.method_filter with ignore_ports (static Go): only DELETE on the first port is stolen, the ignored port stays with the pod', async () => {
    await withProgram(goStatic(pod1.port, pod2.port), { mode: 'steal', ignore_ports: [pod2.port], http_filter: { method_filter: '^DELETE$' } }, async () => {
      expect(await ask(pod1.port, '/item/1', { method: 'DELETE' })).toBe('local DELETE /item/1');
      expect(await ask(pod1.port, '/item/1')).toBe('pod GET /item/1');
      expect(await ask(pod2.port, '/item/2', { method: 'DELETE' })).toBe('pod DELETE /item/2');
    });
  });

  it('http_filter.ports (Node): the filter applies on the listed port only; the other port is stolen whole', async () => {
    await withProgram(node(pod1.port, pod2.port), { mode: 'steal', http_filter: { path_filter: '^/api/', ports: [pod1.port] } }, async () => {
      expect(await ask(pod1.port, '/api/p')).toBe('local GET /api/p');
      expect(await ask(pod1.port, '/web')).toBe('pod GET /web');
      expect(await ask(pod2.port, '/web')).toBe('local GET /web');
    });
  });

  it('ignore_ports (Python): that port\'s traffic stays with the pod, the other is stolen', async () => {
    await withProgram(python(pod1.port, pod2.port), { mode: 'steal', ignore_ports: [pod2.port] }, async () => {
      expect(await ask(pod1.port, '/i1')).toBe('local GET /i1');
      expect(await ask(pod2.port, '/i2')).toBe('pod GET /i2');
    });
  });

  it('ports (Node): only the listed port is subscribed', async () => {
    await withProgram(node(pod1.port, pod2.port), { mode: 'steal', ports: [pod2.port] }, async () => {
      expect(await ask(pod1.port, '/p1')).toBe('pod GET /p1');
      expect(await ask(pod2.port, '/p2')).toBe('local GET /p2');
    });
  });

  it('port_mapping (Python): the program\'s own port stands for the pod\'s port', async () => {
    const local = await freeLocalPort();
    await withProgram(python(local), { mode: 'steal', port_mapping: [[local, pod1.port]] }, async () => {
      expect(await ask(pod1.port, '/mapped')).toBe('local GET /mapped');
    });
  });
});
