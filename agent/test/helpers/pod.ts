// Fixtures for incoming-traffic tests: a namespace running the original app
// (fixtures/pod-http-server.mjs), clients inside the namespace (curl via `ip netns exec`, run
// asynchronously so the agent in this process keeps serving) and leftover checks with bpftool.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestNetns } from '../../../test/harness/netns.js';

const run = promisify(execFile);
/** A fixture script's path, also from a bundle under build/bench/ (run from the repository root). */
function fixture(name: string): string {
  const beside = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
  return existsSync(beside) ? beside : join(process.cwd(), 'agent/test/fixtures', name);
}

export const SERVER_SCRIPT = fixture('pod-http-server.mjs');

export const BYTE_SINK_SCRIPT = fixture('pod-byte-sink.mjs');

/** Starts the original app on `port` inside the namespace and waits for it (bounded). */
export async function startPodServer(ns: TestNetns, port: number, script = SERVER_SCRIPT): Promise<number> {
  const child = ns.spawn(process.execPath, [script, String(port)]);
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`pod server exited (${code}): ${out}`)));
  });
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('pod server not ready in 10 s')), 10_000).unref());
  await Promise.race([ready, timeout]);
  return child.pid ?? 0;
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
