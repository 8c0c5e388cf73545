// The pod's own HTTP server inside a test namespace, on a kernel-picked port: answers
// "pod <method> <path>" and records every request it served, so a test tells requests the pod
// answered from requests stolen to (or also mirrored into) the local program.
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import type { TestNetns } from '#test/harness/netns.js';

const SCRIPT = `
const s = require('http').createServer((q, r) => {
  let body = '';
  q.on('data', (d) => body += d);
  q.on('end', () => { console.log(JSON.stringify({ method: q.method, path: q.url })); r.end('pod ' + q.method + ' ' + q.url); });
});
s.keepAliveTimeout = 60000;
s.listen(Number(process.argv[2] || 0), process.argv[1], () => console.log(JSON.stringify({ port: s.address().port })));
`;

export interface PodHttp { port: number; served: Array<{ method: string; path: string }> }

export async function startPodHttp(ns: TestNetns, address: string, port = 0): Promise<PodHttp> {
  const child = ns.spawn(process.execPath, ['-e', SCRIPT, address, String(port)]);
  const served: Array<{ method: string; path: string }> = [];
  const bound = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`pod HTTP server exited (${code}) before listening`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as { port?: number; method?: string; path?: string };
      if (m.port !== undefined) resolve(m.port);
      else served.push({ method: m.method ?? '', path: m.path ?? '' });
    });
  });
  return { port: bound, served };
}

/** One HTTP request from the host side (a pod client); resolves with the status and body. */
export function httpFetch(url: string, opts: { method?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {}, timeout: opts.timeoutMs ?? 15_000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer`)));
    req.on('error', reject);
    req.end();
  });
}
