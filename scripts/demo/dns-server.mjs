// A tiny authoritative DNS server (UDP + TCP) for the demo target and the integration tests:
//   node scripts/demo/dns-server.mjs --listen 10.0.0.53:53 --record name=1.2.3.4 [--record ...]
// Answers A/AAAA for the given names, NXDOMAIN for anything else; prints {"event":"ready"} when listening.
import dgram from 'node:dgram';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const dnsPacket = require('dns-packet');

const { values } = parseArgs({ options: { listen: { type: 'string', default: '127.0.0.1:53' }, record: { type: 'string', multiple: true, default: [] } } });
const [host, portText] = values.listen.split(/:(?=\d+$)/);
const port = Number(portText);
const records = new Map();
for (const r of values.record) {
  const [name, address] = r.split('=');
  const list = records.get(name.toLowerCase()) ?? [];
  list.push(address);
  records.set(name.toLowerCase(), list);
}

function answer(query) {
  const q = query.questions?.[0];
  const addresses = q ? records.get(q.name.toLowerCase()) ?? [] : [];
  const fam = q?.type === 'AAAA' ? 6 : 4;
  const answers = addresses.filter((a) => net.isIP(a) === fam).map((data) => ({ type: q.type, class: 'IN', name: q.name, ttl: 30, data }));
  const known = addresses.length > 0;
  return dnsPacket.encode({
    type: 'response', id: query.id, questions: query.questions,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED | (known ? 0 : 3 /* NXDOMAIN */),
    answers,
  });
}

const udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
udp.on('message', (msg, rinfo) => {
  try {
    udp.send(answer(dnsPacket.decode(msg)), rinfo.port, rinfo.address);
  } catch { /* not a DNS query: ignore, like a real server */ }
});
const tcp = net.createServer((s) => {
  let buf = Buffer.alloc(0);
  s.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const len = buf.readUInt16BE(0);
      const out = answer(dnsPacket.decode(buf.subarray(2, 2 + len)));
      buf = buf.subarray(2 + len);
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(out.length);
      s.write(Buffer.concat([prefix, out]));
    }
  });
  s.on('error', () => undefined);
});
udp.bind(port, host, () => {
  tcp.listen(port, host, () => console.log(JSON.stringify({ event: 'ready', listen: `${host}:${port}`, names: [...records.keys()] })));
});
