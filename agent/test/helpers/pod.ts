// Fixtures for incoming-traffic tests: a namespace running the original app
// (fixtures/pod-http-server.mjs), clients inside the namespace (curl via `ip netns exec`, run
// asynchronously so the agent in this process keeps serving) and leftover checks with bpftool.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestNetns } from '#test/harness/netns.js';

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

export interface BpfIds { progs: number[]; maps: number[]; links: number[] }

/**
 * BPF programs, maps and links whose fds process `pid` holds (from /proc/PID/fdinfo), so
 * leftover checks concern this agent only: other agents on the machine may hold km_ objects too.
 */
export function heldBpf(pid: number = process.pid): BpfIds {
  const ids: BpfIds = { progs: [], maps: [], links: [] };
  let fds: string[] = [];
  try { fds = readdirSync(`/proc/${pid}/fdinfo`); } catch { return ids; }
  for (const fd of fds) {
    let info = '';
    try { info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'); } catch { continue; }
    const link = /^link_id:\s*(\d+)/m.exec(info);
    const prog = /^prog_id:\s*(\d+)/m.exec(info);
    const map = /^map_id:\s*(\d+)/m.exec(info);
    if (link) ids.links.push(Number(link[1]));
    else if (prog) ids.progs.push(Number(prog[1]));
    else if (map) ids.maps.push(Number(map[1]));
  }
  return ids;
}

async function bpftoolList(kind: 'prog' | 'map' | 'link'): Promise<Array<{ id: number; name?: string; prog_id?: number }>> {
  const { stdout } = await run('bpftool', ['-j', kind, 'show'], { maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as Array<{ id: number; name?: string; prog_id?: number }>;
}

/** Of `ids`, the km_ programs and maps, and links to km_ programs, that still exist system-wide. */
export async function stillLoaded(ids: BpfIds): Promise<string[]> {
  const progs = await bpftoolList('prog');
  const kmProgs = new Set(progs.filter((p) => p.name?.startsWith('km_')).map((p) => p.id));
  const out: string[] = [];
  for (const p of progs) if (ids.progs.includes(p.id) && kmProgs.has(p.id)) out.push(`prog ${p.id} ${p.name}`);
  for (const m of await bpftoolList('map')) if (ids.maps.includes(m.id) && m.name?.startsWith('km_')) out.push(`map ${m.id} ${m.name}`);
  for (const l of await bpftoolList('link')) if (ids.links.includes(l.id)) out.push(`link ${l.id} prog ${l.prog_id}`);
  return out;
}

/** The km_ objects `pid` holds right now (names), for "something is loaded" assertions. */
export async function kmHeldBy(pid: number = process.pid): Promise<string[]> {
  const ids = heldBpf(pid);
  return (await stillLoaded(ids));
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
