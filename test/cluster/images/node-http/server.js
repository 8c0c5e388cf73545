// Test app "kmirror-test/node-http": answers every request with JSON naming itself, the pod and the request.
// PORT (default 8080), MESSAGE (default "hello from node-http"). Exits at once on TERM (it runs as PID 1).
const http = require('node:http');
const os = require('node:os');

const port = Number(process.env.PORT || 8080);
const message = process.env.MESSAGE || 'hello from node-http';
const server = http.createServer((req, res) => {
  let size = 0;
  req.on('data', (chunk) => { size += chunk.length; });
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ app: 'node-http', message, pod: os.hostname(), method: req.method, url: req.url,
      bodyBytes: size }) + '\n');
  });
});
server.listen(port, () => console.log(`node-http listening on ${port}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
