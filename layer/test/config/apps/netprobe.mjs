// Network probe (Node: dns.lookup, net, dgram): same arguments and output as netprobe.c.
import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import net from 'node:net';

for (const arg of process.argv.slice(2)) {
  const [proto, host, port] = arg.split(',');
  try {
    const { address, family } = await dns.lookup(host);
    const said = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer')), 10_000);
      const done = (text) => { clearTimeout(timer); resolve(text.split('\n')[0]); };
      if (proto === 'udp') {
        const s = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
        s.on('message', (m) => { s.close(); done(m.toString()); });
        s.on('error', (e) => { clearTimeout(timer); reject(e); });
        s.connect(Number(port), address, () => s.send('hi'));
      } else {
        const s = net.connect(Number(port), address);
        s.once('data', (d) => { s.destroy(); done(d.toString()); });
        s.on('error', (e) => { clearTimeout(timer); reject(e); });
      }
    });
    console.log(`${arg} addr=${address} said=${said}`);
  } catch (e) {
    console.log(`${arg} error=${e.message}`);
  }
}
