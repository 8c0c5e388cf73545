// Test app (Node): dns.lookup (getaddrinfo in libuv's pool), http.get, socket.remoteAddress, file, env.
import dns from 'node:dns/promises';
import http from 'node:http';
import { readFileSync } from 'node:fs';
const [host, port, path, env] = process.argv.slice(2);
const { address } = await dns.lookup(host, { family: 4 });
console.log(`dns=${address}`);
await new Promise((resolve, reject) => {
  const req = http.get({ host, port: Number(port), path: '/node', timeout: 10000 }, (res) => {
    let body = '';
    res.on('data', (d) => { body += d; });
    res.on('end', () => { console.log(`http=${body.split('\n')[0]}`); resolve(); });
  });
  req.on('socket', (s) => s.on('connect', () => console.log(`peer=${s.remoteAddress}:${s.remotePort}`)));
  req.on('error', reject);
});
console.log(`file=${readFileSync(path, 'utf8').split('\n')[0]}`);
console.log(`env=${process.env[env] ?? '(unset)'}`);
