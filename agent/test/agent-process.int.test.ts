// The shipped entry points as processes: dist/kmirror-agent.js (ready line, token handling, JSON
// logs, clean exit, clear failure), `kmirror agent` (the same bundle as a child of the CLI) and
// `kmirror probe` (dist/kmirror.js) against a pid target.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, createNetns, requireRoot, sweepStale, type TestNetns } from '#test/harness/netns.js';
import { connectAgent } from '#runtime/tunnel/agent-session.js';
import { fdBaseline } from './helpers/fd-count.js';
import { dnsServerInside, REPO, startTargetProcess, tcpServerInside, type TargetProcess } from './helpers/target-fixture.js';

const AGENT_JS = join(REPO, 'dist/kmirror-agent.js');
const CLI_JS = join(REPO, 'dist/kmirror.js');
let ns: TestNetns;
let target: TargetProcess;
let httpPort: number;
const children: ChildProcess[] = [];
const processGroups: number[] = [];

function startAgent(env: Record<string, string | undefined>, args: string[], entry = [AGENT_JS], detached = false): { child: ChildProcess; firstLine: Promise<string>; stderr: string[] } {
  const child = spawn(process.execPath, [...entry, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached });
  children.push(child);
  if (detached && child.pid) processGroups.push(child.pid);
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const firstLine = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`agent exited ${code}: ${stderr.join('\n')}`)));
    setTimeout(() => reject(new Error('no ready line in 15 s')), 15_000).unref();
  });
  return { child, firstLine, stderr };
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

beforeAll(async () => {
  requireRoot();
  sweepStale();
  for (const f of [AGENT_JS, CLI_JS]) if (!existsSync(f)) throw new Error(`${f} is missing: run scripts/build.sh first`);
  ns = createNetns();
  await dnsServerInside(ns, '127.0.0.1:53', { 'web.probe.internal': ns.podIp });
  httpPort = (await tcpServerInside(ns, (s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 19\r\nconnection: close\r\n\r\nhello from the pod\n')), ns.podIp)).port;
  target = await startTargetProcess(ns, {
    env: { PROBE_ONLY_VAR: 'visible-through-kmirror' },
    resolvConf: 'nameserver 127.0.0.1\nsearch probe.internal\n',
    hosts: '127.0.0.1 localhost\n',
    mntFiles: { 'probe.txt': 'probe file content\n' },
  });
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  // `kmirror agent` children lead a process group holding the agent: end the whole group
  for (const pid of processGroups) try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
  target?.cleanup();
  cleanupAll();
});

describe('dist/kmirror-agent.js', () => {
  it('generates a token when none is given, prints it once in the ready line, logs JSON, exits on SIGTERM', async () => {
    const { child, firstLine, stderr } = startAgent({ KMIRROR_AGENT_TOKEN: undefined }, ['--target', `pid/${target.pid}`, '--listen', '127.0.0.1:0']);
    const ready = JSON.parse(await firstLine) as { event: string; port: number; token: string; protocol: number };
    const fds = fdBaseline(child.pid!); // Safe: spawned, and it printed its ready line
    expect(ready).toMatchObject({ event: 'ready', protocol: 1 });
    expect(ready.token.length).toBeGreaterThanOrEqual(16);
    const session = await connectAgent({ url: `ws://127.0.0.1:${ready.port}/kmirror/v1`, token: ready.token });
    expect((await session.env()).PROBE_ONLY_VAR).toBe('visible-through-kmirror');
    await session.close();
    await fds.expectNoGrowth('its client left');
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr.length).toBeGreaterThan(0);
    for (const line of stderr) expect(() => JSON.parse(line)).not.toThrow();
    expect(stderr.join('\n')).not.toContain(ready.token);
  });

  it('takes the token from KMIRROR_AGENT_TOKEN and leaves it out of the ready line', async () => {
    const { child, firstLine } = startAgent({ KMIRROR_AGENT_TOKEN: 'from-the-environment' }, ['--target', `netns/${ns.name}`]);
    const ready = JSON.parse(await firstLine) as Record<string, unknown>;
    expect(Object.keys(ready).sort()).toEqual(['event', 'port', 'protocol']);
    const session = await connectAgent({ url: `ws://127.0.0.1:${String(ready.port)}/kmirror/v1`, token: 'from-the-environment' });
    expect(session.target).toBe(`netns/${ns.name}`);
    await session.close();
    child.kill('SIGTERM');
  });

  it('fails clearly for a target that does not exist', async () => {
    const r = await run(process.execPath, [AGENT_JS, '--target', 'pid/999999999']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr.trim().split('\n').pop()!)).toMatchObject({ level: 'error', code: 'NOT_FOUND', err: expect.stringContaining('pid/999999999') });
  });
});

describe('kmirror agent', () => {
  it('runs the agent bundle with its stdio and ends it cleanly on a Ctrl-C that reaches both processes', async () => {
    // detached: a process group of its own, so that signalling the group is what a terminal's Ctrl-C does
    const { child, firstLine, stderr } = startAgent({ KMIRROR_AGENT_TOKEN: 'cli-token' }, ['--target', `pid/${target.pid}`], [CLI_JS, 'agent'], true);
    const ready = JSON.parse(await firstLine) as { event: string; port: number };
    expect(ready.event).toBe('ready');
    const session = await connectAgent({ url: `ws://127.0.0.1:${ready.port}/kmirror/v1`, token: 'cli-token' });
    expect((await session.env()).PROBE_ONLY_VAR).toBe('visible-through-kmirror');
    await session.close();
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGINT'); // the CLI forwards it too: the agent sees it twice
    expect(await exited).toBe(0);
    expect(stderr.join('\n')).toContain('shutting down');
  });

  it('shows its usage for --help and for a bad command line', async () => {
    const help = await run(process.execPath, [CLI_JS, 'agent', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: kmirror agent --target/);
    const bad = await run(process.execPath, [CLI_JS, 'agent', '--listen', '127.0.0.1:0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^kmirror agent: --target is required\nusage: kmirror agent/);
    const unknown = await run(process.execPath, [CLI_JS, 'agent', '--target', `pid/${target.pid}`, '--nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--nope'");
  });
});

describe('kmirror probe', () => {
  it("prints the target's env, a DNS answer, a file and a fetched URL, all from inside", async () => {
    const r = await run(process.execPath, [CLI_JS, 'probe', '--target', `pid/${target.pid}`, '--env', 'PROBE_ONLY_VAR', '--resolve', 'web', '--file', '/mnt/probe.txt', `http://web:${httpPort}/x`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('PROBE_ONLY_VAR=visible-through-kmirror');
    expect(r.stdout).toContain(`== resolve web\n${ns.podIp}\n`);
    expect(r.stdout).toContain('== file /mnt/probe.txt\nprobe file content\n');
    expect(r.stdout).toContain('200 OK\nhello from the pod\n');
  });

  it('exits non-zero and names what failed', async () => {
    const r = await run(process.execPath, [CLI_JS, 'probe', '--target', `pid/${target.pid}`, '--file', '/mnt/absent']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/== file \/mnt\/absent\nERROR NOT_FOUND .*\/mnt\/absent/);
    const usage = await run(process.execPath, [CLI_JS, 'probe', '--target', 'pod/x']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('bad target "pod/x"');
  });
});
