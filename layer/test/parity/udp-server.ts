// A UDP server inside a test namespace (the pod's side) on a kernel-picked port: every datagram
// it receives becomes an awaitable event, with the address it came from.
import { createInterface } from 'node:readline';
import type { TestNetns } from '#test/harness/netns.js';

const SCRIPT = `
const s = require('dgram').createSocket(process.argv[1].includes(':') ? 'udp6' : 'udp4');
s.on('message', (m, r) => console.log(JSON.stringify({ text: m.toString(), from: r.address })));
s.bind(0, process.argv[1], () => console.log(JSON.stringify({ port: s.address().port })));
`;

export interface UdpServer { port: number; received: Array<{ text: string; from: string }>; waitFor(text: string, ms?: number): Promise<{ text: string; from: string }> }

export async function startUdpServer(ns: TestNetns, address: string): Promise<UdpServer> {
  const child = ns.spawn(process.execPath, ['-e', SCRIPT, address]);
  const received: Array<{ text: string; from: string }> = [];
  const waiters = new Map<string, (m: { text: string; from: string }) => void>();
  let resolvePort: (p: number) => void;
  const port = new Promise<number>((resolve, reject) => {
    resolvePort = resolve;
    child.once('exit', (code) => reject(new Error(`UDP server exited (${code}) before listening`)));
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const m = JSON.parse(line) as { port?: number; text?: string; from?: string };
    if (m.port !== undefined) return resolvePort(m.port);
    const msg = { text: m.text ?? '', from: m.from ?? '' };
    received.push(msg);
    waiters.get(msg.text)?.(msg);
  });
  return {
    port: await port, received,
    waitFor(text, ms = 10_000) {
      const seen = received.find((m) => m.text === text);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { waiters.delete(text); reject(new Error(`datagram "${text}" never arrived (got ${received.length}: ${received.slice(-5).map((m) => m.text).join(', ')})`)); }, ms);
        waiters.set(text, (m) => { clearTimeout(timer); waiters.delete(text); resolve(m); });
      });
    },
  };
}
