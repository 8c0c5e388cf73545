// Fixtures for incoming-traffic tests: a namespace running the original app
// (fixtures/pod-http-server.mjs), clients inside the namespace (curl via `ip netns exec`, run
// asynchronously so the agent in this process keeps serving) and leftover checks with bpftool.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestNetns } from '../../../test/harness/netns.js';

const run = promisify(execFile);
export const SERVER_SCRIPT = fileURLToPath(new URL('../fixtures/pod-http-server.mjs', import.meta.url));

/** Starts the original app on `port` inside the namespace and waits for it (bounded). */
export async function startPodServer(ns: TestNetns, port: number): Promise<void> {
  const child = ns.spawn(process.execPath, [SERVER_SCRIPT, String(port)]);
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`pod server exited (${code}): ${out}`)));
  });
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('pod server not ready in 10 s')), 10_000).unref());
  await Promise.race([ready, timeout]);
}

/** curl from inside the namespace; returns the body. */
export async function curlInside(ns: TestNetns, url: string, extra: string[] = []): Promise<string> {
  const { stdout } = await run('ip', ['netns', 'exec', ns.name, 'curl', '-sS', '-m', '5', ...extra, url], { timeout: 10_000 });
  return stdout;
}

/** Names of loaded BPF programs, maps and links created by kmirror (km_ prefix). */
export async function kmBpfObjects(): Promise<string[]> {
  const found: string[] = [];
  for (const kind of ['prog', 'map']) {
    const { stdout } = await run('bpftool', ['-j', kind, 'show'], { maxBuffer: 64 << 20 });
    for (const o of JSON.parse(stdout) as Array<{ name?: string; id: number }>) {
      if (o.name?.startsWith('km_')) found.push(`${kind} ${o.id} ${o.name}`);
    }
  }
  return found;
}

/** Links whose program is one of ours. */
export async function kmBpfLinks(): Promise<string[]> {
  const progs = new Set((await kmBpfObjects()).filter((s) => s.startsWith('prog ')).map((s) => Number(s.split(' ')[1])));
  const { stdout } = await run('bpftool', ['-j', 'link', 'show'], { maxBuffer: 64 << 20 });
  return (JSON.parse(stdout) as Array<{ id: number; prog_id: number; type: string }>).filter((l) => progs.has(l.prog_id)).map((l) => `link ${l.id} ${l.type}`);
}

export async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve().then(fn).catch(() => undefined); // errors: not yet
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { once };
