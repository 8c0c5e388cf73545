// mirrord's semantics for programs listening on 127.0.0.1: the listener is subscribed like any
// other (a request to the pod's port reaches the local program), and
// `incoming.ignore_localhost: true` leaves such listeners alone (the pod answers).
// config-keys: feature.network.incoming.ignore_localhost, feature.network.incoming.mode, feature.network.incoming.ports
import { describe, expect, it } from 'vitest';
import { startExec } from './kmirror-exec.js';
import { podWithHttpForFile } from './pod-fixture.js';
import { httpFetch } from './pod-http.js';

const env = podWithHttpForFile();

const PY = `import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("local " + self.path).encode()
        self.send_response(200); self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
print("listening", flush=True)
s.serve_forever()
`;
const NODE = `require('http').createServer((q, r) => r.end('local ' + q.url)).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('listening'));`;

async function answerFor(argv: string[], incoming: object): Promise<string> {
  const exec = startExec({ target: `pid/${env.targetPid}`, argv, config: { feature: { network: { incoming } } } });
  try {
    await exec.waitLine(/^listening$/);
    return (await httpFetch(`http://${env.ns.podIp}:${env.pod.port}/hello`)).body;
  } finally {
    await exec.stop();
  }
}

describe('a program listening on 127.0.0.1', () => {
  it('Python: subscribed (steal): the pod client gets the local answer', async () => {
    expect(await answerFor(['python3', '-c', PY, String(env.pod.port)], { mode: 'steal', ports: [env.pod.port] })).toBe('local /hello');
  });

  it('Node: subscribed (steal): the pod client gets the local answer', async () => {
    expect(await answerFor([process.execPath, '-e', NODE, String(env.pod.port)], { mode: 'steal', ports: [env.pod.port] })).toBe('local /hello');
  });

  it('ignore_localhost: true: not subscribed, the pod answers', async () => {
    const before = env.pod.served.length;
    expect(await answerFor(['python3', '-c', PY, String(env.pod.port)], { mode: 'steal', ports: [env.pod.port], ignore_localhost: true })).toBe('pod GET /hello');
    expect(env.pod.served.length).toBe(before + 1);
  });
});
