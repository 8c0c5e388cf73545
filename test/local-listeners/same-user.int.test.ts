// Local listeners serve only their own user: a second, unprivileged user created by this test
// connects to `kmirror-dap --port` (IPv4 and IPv6 loopback) and to the local agent's port with the
// right token, and is refused before anything starts; the same user is served; --allow-other-users
// lets the second user in and warns. Real processes: the bundled kmirror-dap and agent, a debugpy
// launch of a program that would write a marker file, clients running as the second user.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, type TestNetns } from '../harness/netns.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DAP_JS = join(ROOT, 'dist/kmirror-dap.js');
const AGENT_JS = join(ROOT, 'dist/kmirror-agent.js');
const DEADLINE_MS = 20_000;

interface Proc { child: ChildProcess; stdout: string; stderr: string; exited: Promise<number | null> }

function start(cmd: string, args: string[], opts: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {}): Proc {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], uid: opts.uid, gid: opts.gid, env: opts.env ?? process.env });
  const p: Proc = { child, stdout: '', stderr: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout?.on('data', (d: Buffer) => { p.stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { p.stderr += d.toString(); });
  return p;
}

/** Resolves with the first match of `re` in the process's stdout or stderr, or fails at the deadline. */
async function waitFor(p: Proc, re: RegExp, what: string): Promise<RegExpMatchArray> {
  const until = Date.now() + DEADLINE_MS;
  for (;;) {
    const m = re.exec(p.stdout) ?? re.exec(p.stderr);
    if (m) return m;
    if (p.child.exitCode !== null || Date.now() > until) throw new Error(`${what}: not seen (stdout: ${p.stdout} stderr: ${p.stderr})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('local listeners serve only their own user', () => {
  requireRoot();
  const user = `kmtest${process.pid % 100000}`;
  let uid = 0;
  let gid = 0;
  let work = '';
  let dapClient = '';
  let agentClient = '';
  const procs: Proc[] = [];
  let netns: TestNetns | undefined;

  beforeAll(async () => {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
    uid = Number(execFileSync('id', ['-u', user]).toString());
    gid = Number(execFileSync('id', ['-g', user]).toString());
    work = mkdtempSync(join(tmpdir(), 'kmirror-same-user-'));
    chmodSync(work, 0o755);
    // The clients run as the second user: bundle them into the world-readable work dir.
    dapClient = join(work, 'dap-client.mjs');
    agentClient = join(work, 'agent-client.mjs');
    buildSync({ entryPoints: [fileURLToPath(new URL('./dap-client.ts', import.meta.url))], outfile: dapClient, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent' });
    buildSync({
      entryPoints: [fileURLToPath(new URL('./agent-client.ts', import.meta.url))], outfile: agentClient, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent',
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    });
    netns = createNetns();
  });

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    netns?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
    execFileSync('userdel', [user], { stdio: 'ignore' });
  });

  async function startDap(args: string[]): Promise<{ proc: Proc; port: number }> {
    const proc = start(process.execPath, [DAP_JS, '--port', '0', '--log', '-', '--log-level', 'info', ...args]);
    procs.push(proc);
    const m = await waitFor(proc, /kmirror-dap listening on .*:(\d+)/, 'kmirror-dap listening line');
    return { proc, port: Number(m[1]) };
  }

  /** Runs the DAP client (initialize, launch of a program writing `marker`, configurationDone) as `who`. */
  async function runDapClient(who: 'root' | 'other', address: string, marker: string): Promise<{ code: number | null; out: string }> {
    const program = join(work, `write-marker-${Date.now()}.py`);
    writeFileSync(program, `open(${JSON.stringify(marker)}, 'w').write('ran')\n`);
    chmodSync(program, 0o644);
    const p = start(process.execPath, [dapClient, address, program], who === 'other' ? { uid, gid, env: { PATH: process.env.PATH } } : {});
    procs.push(p);
    const code = await p.exited;
    return { code, out: p.stdout + p.stderr };
  }

  for (const host of ['127.0.0.1', '::1']) {
    it(`kmirror-dap --port on ${host}: another user is refused and nothing starts; the same user is served`, async () => {
      const { proc, port } = await startDap(['--host', host]);
      const refusedMarker = join(work, `refused-${host.replace(/\W/g, '')}`);
      const other = await runDapClient('other', `[${host}]:${port}`, refusedMarker);
      expect(other.out).toContain('closed before any response');
      expect(other.code).toBe(3);
      await waitFor(proc, new RegExp(`refused connection from .*uid ${uid}`), 'refusal log line');
      expect(existsSync(refusedMarker)).toBe(false);

      const servedMarker = join(work, `served-${host.replace(/\W/g, '')}`);
      const own = await runDapClient('root', `[${host}]:${port}`, servedMarker);
      expect(own.out).toContain('terminated');
      expect(own.code).toBe(0);
      expect(existsSync(servedMarker)).toBe(true);
      proc.child.kill('SIGTERM');
    });
  }

  it('kmirror-dap --allow-other-users lets another user in and warns at start-up', async () => {
    const { proc, port } = await startDap(['--allow-other-users']);
    expect(proc.stderr).toMatch(/--allow-other-users.*any local user/);
    const marker = join(work, 'allowed');
    const other = await runDapClient('other', `[127.0.0.1]:${port}`, marker);
    expect(other.code).toBe(0);
    expect(existsSync(marker)).toBe(true);
    proc.child.kill('SIGTERM');
  });

  it('kmirror-dap --socket PATH listens on a 0600 Unix socket', async () => {
    const path = join(work, 'dap.sock');
    const proc = start(process.execPath, [DAP_JS, '--socket', path]);
    procs.push(proc);
    await waitFor(proc, /kmirror-dap listening on /, 'listening line');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const marker = join(work, 'via-socket');
    const own = await runDapClient('root', `unix:${path}`, marker);
    expect(own.code).toBe(0);
    expect(existsSync(marker)).toBe(true);
    // The second user cannot even open it.
    const other = await runDapClient('other', `unix:${path}`, join(work, 'via-socket-other'));
    expect(other.out).toMatch(/EACCES/);
    expect(existsSync(join(work, 'via-socket-other'))).toBe(false);
    proc.child.kill('SIGTERM');
  });

  it("the local agent's port refuses another user even with the right token", async () => {
    if (!netns) throw new Error('no netns');
    const token = 'same-user-test-token';
    const agent = start(process.execPath, [AGENT_JS, '--target', `netns/${netns.name}`, '--listen', '127.0.0.1:0', '--only-same-user'], { env: { ...process.env, KMIRROR_AGENT_TOKEN: token } });
    procs.push(agent);
    const m = await waitFor(agent, /"port":(\d+)/, 'agent listening');
    const port = m[1] ?? '';
    const other = start(process.execPath, [agentClient, `ws://127.0.0.1:${port}/kmirror/v1`, token], { uid, gid, env: { PATH: process.env.PATH } });
    procs.push(other);
    expect(await other.exited).toBe(3);
    expect(other.stdout).toMatch(/refused/);
    await waitFor(agent, new RegExp(`refused connection from .*uid ${uid}`), 'agent refusal log');
    const own = start(process.execPath, [agentClient, `ws://127.0.0.1:${port}/kmirror/v1`, token]);
    procs.push(own);
    expect(await own.exited).toBe(0);
    expect(own.stdout).toMatch(/handshake ok/);
    agent.child.kill('SIGTERM');
  });
});
