// `kmirror trace` and `kmirror snapshot` (dist/kmirror.js) against a local target: a process in its
// own network namespace. A connect made inside the target shows up as a JSON line; the same connect
// made from outside the target (this process, in the host's namespace) does not; the snapshot lists
// the target's process and a socket it listens on. Needs root (namespaces, BPF).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, spawnSleepTarget, type TestNetns } from '#test/harness/netns.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CLI_JS = join(REPO, 'dist/kmirror.js');
let ns: TestNetns;
let targetPid: number;
let server: net.Server;
let serverPort: number;
let tmp: string;
const children: ChildProcess[] = [];

interface TraceRun { child: ChildProcess; events: Array<Record<string, any>>; stderr: string[]; exited: Promise<number | null> }

/** Starts `kmirror trace` and resolves once it says it is tracing (the programs are attached). */
async function startTrace(args: string[]): Promise<TraceRun> {
  const child = spawn(process.execPath, [CLI_JS, 'trace', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const events: Array<Record<string, any>> = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => events.push(JSON.parse(l) as Record<string, any>));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (l) => {
      stderr.push(l);
      if (l.startsWith('kmirror trace: tracing')) resolve();
    });
    void exited.then((code) => reject(new Error(`kmirror trace exited ${code} before tracing: ${stderr.join('\n')}`)));
  });
  return { child, events, stderr, exited };
}

async function waitFor<T>(what: string, run: TraceRun, find: () => T | undefined): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const found = find();
    if (found !== undefined) return found;
    if (run.child.exitCode !== null) throw new Error(`kmirror trace exited while waiting for ${what}: ${run.stderr.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${what} within 30 s; events: ${JSON.stringify(run.events).slice(0, 2000)}; stderr: ${run.stderr.join('\n')}`);
}

/** A connect from a shell inside the target's network namespace. */
function connectInside(port: number): void {
  ns.exec('bash', ['-c', `exec 3<>/dev/tcp/${ns.hostIp}/${port}; exec 3>&-`]);
}

function connectOutside(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, ns.hostIp, () => { s.end(); resolve(); });
    s.once('error', reject);
  });
}

beforeAll(async () => {
  requireRoot();
  if (!existsSync(CLI_JS)) throw new Error('dist/kmirror.js missing: run npm run build');
  ns = createNetns();
  targetPid = await spawnSleepTarget(ns, {});
  tmp = mkdtempSync(join(tmpdir(), 'kmirror-trace-cli-'));
  server = net.createServer((s) => s.on('error', () => undefined).resume());
  await new Promise<void>((resolve) => server.listen(0, ns.hostIp, resolve));
  serverPort = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await new Promise((r) => server?.close(r));
  ns?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('kmirror trace --json on a local target', () => {
  it('shows a connect made inside the target and not the same connect made outside it', async () => {
    const run = await startTrace(['--target', `pid/${targetPid}`, 'tcp', '--json']);
    await connectOutside(serverPort);
    connectInside(serverPort);
    const connect = await waitFor('the connect from inside the target', run, () =>
      run.events.find((e) => e.gadget === 'tcp' && e.kind === 'connect' && e.remote?.port === serverPort));
    expect(connect).toMatchObject({ gadget: 'tcp', kind: 'connect', remote: { address: ns.hostIp, port: serverPort }, local: { address: ns.podIp }, process: { comm: 'bash' } });
    expect(typeof connect.time).toBe('string');
    // The outside connect came first: had it been traced, it would be in the stream already.
    expect(run.events.filter((e) => e.local?.address === ns.hostIp)).toEqual([]);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.stderr.join('\n')).toMatch(/tcp: \d+ events, 0 dropped, \d+ suppressed, \d+ filtered/);
  });

  it('-o FILE with --filter writes only the matching events, and --count ends the trace', async () => {
    const out = join(tmp, 'events.jsonl');
    const run = await startTrace(['--target', `pid/${targetPid}`, 'tcp', '--filter', `port=${serverPort},kind=connect`, '-o', out, '--count', '2']);
    connectInside(serverPort);
    connectInside(serverPort);
    expect(await run.exited).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines).toHaveLength(2);
    for (const e of lines) expect(e).toMatchObject({ gadget: 'tcp', kind: 'connect', remote: { port: serverPort } });
  });

  it('refuses an unknown gadget with the list of gadgets, before starting anything', async () => {
    const child = spawn(process.execPath, [CLI_JS, 'trace', '--target', `pid/${targetPid}`, 'tcp', 'syscalls'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(2);
    expect(stderr).toContain('unknown gadget "syscalls"; gadgets: tcp, dns, exec, open');
  });
});

describe('kmirror snapshot on a local target', () => {
  it('lists the target process and its listening socket', async () => {
    const listener = ns.spawn('python3', ['-c', 'import socket,time; s=socket.socket(); s.bind(("0.0.0.0",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(600)']);
    const port = await new Promise<number>((resolve) => createInterface({ input: listener.stdout! }).once('line', (l) => resolve(Number(l))));
    const run = (kind: string, json: boolean) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI_JS, 'snapshot', '--target', `pid/${targetPid}`, kind, ...(json ? ['--json'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });
    const processes = await run('processes', false);
    expect(processes.code, processes.stderr).toBe(0);
    expect(processes.stdout.split('\n')[0]).toMatch(/^ *PID +PPID +UID +S +RSS +STARTED +COMM +ARGV$/);
    expect(processes.stdout).toMatch(new RegExp(`^ *${targetPid} .*sleep`, 'm'));
    const sockets = await run('sockets', true);
    expect(sockets.code, sockets.stderr).toBe(0);
    const rows = sockets.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(rows).toContainEqual(expect.objectContaining({ protocol: 'tcp', state: 'LISTEN', local: expect.objectContaining({ port }) }));
    listener.kill('SIGKILL');
  });
});
