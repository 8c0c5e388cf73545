// Mirror mode, request by request: a pod client sends several requests on one keep-alive
// connection; the pod's server answers them all. The local program gets a copy of each request,
// even when it answers `Connection: close` (Python's http.server speaks HTTP/1.0 and closes after
// every response), and with an `http_filter` only the matching requests reach it (mirrord applies
// the filter in mirror mode too).
// config-keys: feature.network.incoming.mode, feature.network.incoming.ports, feature.network.incoming.http_filter
// config-keys: feature.network.incoming.http_filter.any_of, feature.network.incoming.http_filter.path_filter, feature.network.incoming.http_filter.method_filter
import { Agent, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startExec, type RunningExec } from './kmirror-exec.js';
import { podWithHttpForFile } from './pod-fixture.js';

const env = podWithHttpForFile();

// HTTP/1.0 server (Python's default): answers and closes the connection after every request.
const PY = `import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        print("got " + self.path, flush=True)
        self.send_response(200); self.send_header("content-length", "5"); self.end_headers(); self.wfile.write(b"local")
    def log_message(self, *a): pass
s = http.server.HTTPServer(("0.0.0.0", int(sys.argv[1])), H)
print("listening", flush=True)
s.serve_forever()
`;
const NODE = `require('http').createServer((q, r) => { console.log('got ' + q.url); r.end('local'); })
  .listen(Number(process.argv[1]), '0.0.0.0', () => console.log('listening'));`;

/** GETs `paths` in order on ONE keep-alive connection to the pod; returns the pod's answers. */
async function keepAliveClient(paths: string[]): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<unknown>();
  const answers: string[] = [];
  try {
    for (const path of paths) {
      answers.push(await new Promise<string>((resolve, reject) => {
        const req = request({ host: env.ns.podIp, port: env.pod.port, path, agent, timeout: 15_000 }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => { body += d.toString(); });
          res.on('end', () => resolve(body));
        });
        req.on('socket', (s) => sockets.add(s));
        req.on('error', reject);
        req.end();
      }));
    }
  } finally {
    agent.destroy();
  }
  expect(sockets.size).toBe(1);
  return answers;
}

async function mirrorSession(argv: string[], incoming: object): Promise<RunningExec> {
  const exec = startExec({ target: `pid/${env.targetPid}`, argv, config: { feature: { network: { incoming: { mode: 'mirror', ports: [env.pod.port], ...incoming } } } } });
  await exec.waitLine(/^listening$/);
  return exec;
}

describe('mirror of HTTP, request by request', () => {
  it('Python (HTTP/1.0, closes after each answer): every request of a keep-alive client reaches it', async () => {
    const exec = await mirrorSession(['python3', '-c', PY, String(env.pod.port)], {});
    try {
      const paths = ['/k1', '/k2', '/k3', '/k4', '/k5'];
      expect(await keepAliveClient(paths)).toEqual(paths.map((p) => `pod GET ${p}`));
      await exec.waitLine(/^got \/k5$/);
      expect(exec.stdout.filter((l) => l.startsWith('got '))).toEqual(paths.map((p) => `got ${p}`));
    } finally {
      await exec.stop();
    }
  });

  it('Node: http_filter in mirror mode: only matching requests reach the program, the pod answers all', async () => {
    const exec = await mirrorSession([process.execPath, '-e', NODE, String(env.pod.port)], { http_filter: { any_of: [{ path_filter: '^/api/' }, { method_filter: '^POST$' }] } });
    try {
      const paths = ['/other', '/api/one', '/health', '/api/two'];
      expect(await keepAliveClient(paths)).toEqual(paths.map((p) => `pod GET ${p}`));
      await exec.waitLine(/^got \/api\/two$/);
      expect(exec.stdout.filter((l) => l.startsWith('got '))).toEqual(['got /api/one', 'got /api/two']);
    } finally {
      await exec.stop();
    }
  });
});
