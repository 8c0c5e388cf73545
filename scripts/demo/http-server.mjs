// A small HTTP service for the demo target and the integration tests:
//   node scripts/demo/http-server.mjs --listen 10.0.0.10:8080 --name catalog
// Answers every request with a line naming itself, its address and the request path;
// prints {"event":"ready"} when listening.
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { listen: { type: 'string', default: '127.0.0.1:8080' }, name: { type: 'string', default: 'service' } } });
const [host, port] = values.listen.split(/:(?=\d+$)/);
const server = http.createServer((req, res) => {
  const body = `hello from ${values.name} at ${host}:${port} (inside the target's network namespace): ${req.method} ${req.url}\n`;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(Number(port), host, () => console.log(JSON.stringify({ event: 'ready', listen: values.listen })));
