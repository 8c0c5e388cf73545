// A local HTTP server (Node) on every port given: same answers and output as http_ports.py.
import http from 'node:http';

await Promise.all(process.argv.slice(2).map((port) => new Promise((resolve) => http.createServer((q, r) => {
  console.log(`got ${q.method} ${q.url}`);
  q.resume();
  q.on('end', () => r.end(`local ${q.method} ${q.url}`));
}).listen(Number(port), '0.0.0.0', resolve))));
console.log('listening');
