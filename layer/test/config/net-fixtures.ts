// Fixtures for the network config tests: the probe program in four languages (C, Python, Node,
// static Go), servers that tell each client which address it came from (so a test sees whether a
// connection went through the target or stayed on the workstation), and a DNS server that records
// who asked. Host-side processes are killed by `stopHostProcesses()`; namespace ones at ns cleanup.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestNetns } from '#test/harness/netns.js';
import { outDir, repoRoot } from '../build-apps.js';

const here = dirname(fileURLToPath(import.meta.url));
const hostChildren: ChildProcess[] = [];

export type ProbeLanguage = 'c' | 'python' | 'node' | 'go-static';
export type Probes = Record<ProbeLanguage, string[]>;

/** Builds netprobe (gcc; go with CGO_ENABLED=0) into build/layer-test; returns each language's argv prefix. */
export function buildProbes(): Probes {
  mkdirSync(outDir, { recursive: true });
  const c = join(outDir, 'netprobe-c');
  execFileSync('gcc', ['-O2', '-o', c, join(here, 'apps/netprobe.c')], { stdio: 'pipe' });
  const go = buildStaticGo('netprobe');
  return { c: [c], python: ['python3', join(here, 'apps/netprobe.py')], node: [process.execPath, join(here, 'apps/netprobe.mjs')], 'go-static': [go] };
}

/** go build apps/<name>/ with CGO_ENABLED=0 → build/layer-test/<name>-go-static (checked to be static). */
export function buildStaticGo(name: string): string {
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `${name}-go-static`);
  execFileSync('go', ['build', '-o', out, '.'], { cwd: join(here, 'apps', name), env: { ...process.env, CGO_ENABLED: '0' }, stdio: 'pipe' });
  if (!/statically linked/.test(execFileSync('file', [out], { encoding: 'utf8' }))) throw new Error(`${out} is not statically linked`);
  return out;
}

export interface ProbeResult { addr?: string; said?: string; error?: string }

/** netprobe output → result by argument ("tcp,HOST,PORT"). */
export function parseProbe(stdout: string): Map<string, ProbeResult> {
  const out = new Map<string, ProbeResult>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) (?:addr=(\S+) said=(.*)|error=(.*))$/.exec(line);
    if (m?.[1]) out.set(m[1], m[4] !== undefined ? { error: m[4] } : { addr: m[2], said: m[3] });
  }
  return out;
}

/** Spawns on the workstation (outside any test namespace); killed by stopHostProcesses(). */
export function spawnOnHost(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: repoRoot });
  hostChildren.push(child);
  return child;
}

export function stopHostProcesses(): void {
  for (const c of hostChildren.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
}

/** Calls `onLine` for each stdout line of `child`; resolves with the first value `parse` accepts (rejects if it exits first or after 20 s). */
function readyWhen<T>(child: ChildProcess, what: string, parse: (line: string) => T | undefined, onLine: (line: string) => void = () => undefined): Promise<T> {
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: not ready within 20 s: ${err}`)), 20_000);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited (${code}): ${err}`)); });
    createInterface({ input: child.stdout! }).on('line', (l) => {
      onLine(l);
      const v = parse(l);
      if (v !== undefined) { clearTimeout(timer); resolve(v); }
    });
  });
}

function spawnIn(where: TestNetns | 'host', args: string[]): ChildProcess {
  return where === 'host' ? spawnOnHost(process.execPath, args) : where.spawn(process.execPath, args, { cwd: repoRoot });
}

export interface PeerEcho { tcp: number; udp: number }

/** A peer-echo server on `address` (in `ns`, or on the workstation): answers "<name> peer=<client address>". */
export function startPeerEcho(where: TestNetns | 'host', address: string, name: string, tcpPort = 0): Promise<PeerEcho> {
  const child = spawnIn(where, [join(here, 'fixtures/peer-echo.mjs'), address, name, String(tcpPort)]);
  return readyWhen(child, `peer-echo ${name}`, (l) => JSON.parse(l) as PeerEcho);
}

export interface DnsQuery { name: string; type: string; from: string }
export interface DnsServer { queries: DnsQuery[] }

/** A DNS server on `address`:53 (in `ns` or on the workstation) answering `records` (name → addresses, v4 and v6). */
export async function startDns(where: TestNetns | 'host', address: string, records: Record<string, string[]>): Promise<DnsServer> {
  const child = spawnIn(where, [join(here, 'fixtures/dns-answers.mjs'), address, JSON.stringify(records)]);
  const queries: DnsQuery[] = [];
  await readyWhen(child, `DNS server on ${address}`, (l) => (l === 'ready' ? true : undefined),
    (l) => { if (l.startsWith('{')) queries.push(JSON.parse(l) as DnsQuery); });
  return { queries };
}
