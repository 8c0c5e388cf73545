// Test app (Node): an HTTP server on 0.0.0.0:PORT (loopback listeners are never subscribed) answering "local-answer <path>"; prints
// "listening" once it listens and "got <method> <path>" for each request it receives.
import http from 'node:http';
const port = Number(process.argv[2]);
http.createServer((req, res) => {
  console.log(`got ${req.method} ${req.url}`);
  res.end(`local-answer ${req.url}\n`);
}).listen(port, '0.0.0.0', () => console.log('listening'));
