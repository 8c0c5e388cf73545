// Real network namespaces for integration tests: `ip netns add` + a veth pair to the host, each
// with a unique name and a /30 of its own, so tests (and developers running them at the same
// time on one machine) never collide. Everything created is recorded and removed by
// `cleanupAll()` and on process exit, also when a test fails. `sweepStale()` removes namespaces
// left by a crashed run (their name carries the creating pid).
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { pidAlive } from './pid-alive.js';

const PREFIX = 'kmt';
const live = new Set<TestNetns>();
let counter = 0;

export interface TestNetns {
  /** `ip netns` name; its file is /var/run/netns/<name>. */
  readonly name: string;
  /** Host side of the veth pair, reachable from inside the namespace. */
  readonly hostIp: string;
  /** The namespace's own address on the veth (what a pod IP is to a cluster). */
  readonly podIp: string;
  readonly hostIf: string;
  readonly podIf: string;
  /** Runs a command inside the namespace and returns its stdout. */
  exec(cmd: string, args?: string[]): string;
  /** Spawns a long-running process inside the namespace; it is killed at cleanup. */
  spawn(cmd: string, args?: string[], opts?: SpawnOptions): ChildProcess;
  cleanup(): void;
}

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Deletes namespaces and veths left behind by test processes that no longer exist. */
export function sweepStale(): void {
  const names = ip(['netns', 'list']).split('\n').map((l) => l.split(' ')[0] ?? '');
  for (const name of names) {
    const m = /^kmt(\d+)n\d+$/.exec(name);
    if (m && !pidAlive(Number(m[1]))) {
      try { ip(['netns', 'del', name]); } catch { /* already gone */ }
    }
  }
}

function usedSubnets(): Set<number> {
  const used = new Set<number>();
  for (const m of ip(['-4', '-o', 'addr']).matchAll(/inet 10\.213\.(\d+)\.(\d+)/g)) {
    used.add(Number(m[1]) * 64 + Math.floor(Number(m[2]) / 4));
  }
  return used;
}

/** Creates a namespace with loopback up and a veth pair (host <-> namespace) on a fresh /30. */
export function createNetns(opts: { ipv6?: boolean } = {}): TestNetns {
  const n = counter++;
  const name = `${PREFIX}${process.pid}n${n}`;
  const tag = `${(process.pid % 100000).toString(36)}${n.toString(36)}`;
  const hostIf = `kmh${tag}`.slice(0, 15);
  const podIf = `kmp${tag}`.slice(0, 15);
  const used = usedSubnets();
  let slot = randomInt(0, 16384);
  while (used.has(slot)) slot = (slot + 1) % 16384;
  const base = `10.213.${Math.floor(slot / 64)}.`;
  const low = (slot % 64) * 4;
  const hostIp = `${base}${low + 1}`;
  const podIp = `${base}${low + 2}`;

  const children: ChildProcess[] = [];
  let removed = false;
  const ns: TestNetns = {
    name, hostIp, podIp, hostIf, podIf,
    exec(cmd, args = []) {
      return execFileSync('ip', ['netns', 'exec', name, cmd, ...args], { encoding: 'utf8', timeout: 30_000 });
    },
    spawn(cmd, args = [], spawnOpts = {}) {
      const child = spawn('ip', ['netns', 'exec', name, cmd, ...args], { stdio: 'pipe', ...spawnOpts });
      children.push(child);
      return child;
    },
    cleanup() {
      if (removed) return;
      removed = true;
      live.delete(ns);
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      // Processes started some other way inside the namespace would keep it busy: kill them too.
      try {
        const pids = ip(['netns', 'pids', name]).split('\n').filter(Boolean);
        for (const pid of pids) try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
      } catch { /* namespace already gone */ }
      try { ip(['link', 'del', hostIf]); } catch { /* removed with the namespace */ }
      try { ip(['netns', 'del', name]); } catch { /* already gone */ }
    },
  };
  live.add(ns);
  try {
    ip(['netns', 'add', name]);
    ip(['-n', name, 'link', 'set', 'lo', 'up']);
    ip(['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', podIf]);
    ip(['link', 'set', podIf, 'netns', name]);
    ip(['addr', 'add', `${hostIp}/30`, 'dev', hostIf]);
    ip(['link', 'set', hostIf, 'up']);
    ip(['-n', name, 'addr', 'add', `${podIp}/30`, 'dev', podIf]);
    ip(['-n', name, 'link', 'set', podIf, 'up']);
    ip(['-n', name, 'route', 'add', 'default', 'via', hostIp]);
    if (opts.ipv6) {
      const v6 = (slot + 1).toString(16);
      ip(['addr', 'add', `fd00:213:${v6}::1/64`, 'dev', hostIf, 'nodad']);
      ip(['-n', name, 'addr', 'add', `fd00:213:${v6}::2/64`, 'dev', podIf, 'nodad']);
    }
  } catch (err) {
    ns.cleanup();
    throw err;
  }
  return ns;
}

/**
 * A pid/N target for debugging tests: `sleep 600` inside the namespace with PATH and `env` as its
 * whole environment (so a value read at a breakpoint can only have come from it). Resolves with
 * its pid once it runs; it is killed at the namespace's cleanup.
 */
export async function spawnSleepTarget(ns: TestNetns, env: Record<string, string>): Promise<number> {
  const target = ns.spawn('sleep', ['600'], { env: { PATH: process.env.PATH, ...env } });
  await once(target, 'spawn');
  return target.pid!; // set once spawned
}

/** The IPv6 addresses createNetns({ipv6: true}) assigned: [host, namespace]. */
export function ipv6Of(ns: TestNetns): [string, string] {
  const out = ip(['-6', '-o', 'addr', 'show', 'dev', ns.hostIf]);
  const m = /inet6 (fd00:213:[0-9a-f]+)::1\//.exec(out);
  if (!m) throw new Error(`no IPv6 address on ${ns.hostIf}; create the namespace with { ipv6: true }`);
  return [`${m[1]}::1`, `${m[1]}::2`];
}

export function netnsPath(ns: TestNetns): string {
  return `/var/run/netns/${ns.name}`;
}

/** Removes every namespace this process created. */
export function cleanupAll(): void {
  for (const ns of [...live]) ns.cleanup();
}

/** Fails loudly when the tier's prerequisites are missing, instead of skipping. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error('integration tests need root (network namespaces, BPF)');
  if (!existsSync('/var/run/netns') && !existsSync('/usr/sbin/ip') && !existsSync('/usr/bin/ip')) {
    throw new Error('iproute2 is missing: run scripts/install-deps.sh');
  }
}

process.once('exit', cleanupAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    cleanupAll();
    process.exit(130);
  });
}
