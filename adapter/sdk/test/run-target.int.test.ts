// `kmirror-dap run` end to end with a local target: a process inside a fresh network namespace
// (test/harness/netns.ts) is the target (pid/N), its incoming traffic is stolen, and an HTTP
// request sent from the host to the namespace's address reaches the Go, Python and Node programs
// debugged on the workstation. The CLI prints the request path at the breakpoint (--json and text),
// continues, and exits with the program's exit code; --count, --timeout and bad flags are checked too.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes, randomInt } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dapBundle = join(root, 'dist/kmirror-dap.js');
let work: string;
let ns: TestNetns;
let targetPid: number;

beforeAll(async () => {
  requireRoot();
  if (!existsSync(dapBundle)) throw new Error('dist/kmirror-dap.js missing: run bash scripts/build.sh');
  work = mkdtempSync(join(tmpdir(), 'kmirror-run-'));
  cpSync(fileURLToPath(new URL('./fixtures/http/', import.meta.url)), work, { recursive: true });
  execFileSync('go', ['build', '-gcflags=all=-N -l', '-o', 'httpapp', '.'], { cwd: work, stdio: 'pipe' });
  ns = createNetns();
  const target = ns.spawn('sleep', ['600']);
  await once(target, 'spawn');
  targetPid = target.pid ?? 0;
}, 180_000);

afterAll(() => {
  ns?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
  /** Resolves when the program printed its listening line (its output is on stderr with --json). */
  listening: Promise<void>;
}

/** A kmirror config file that steals the program's port from the target. */
function stealConfig(port: number): string {
  const path = join(work, `kmirror-${port}.json`);
  writeFileSync(path, JSON.stringify({ feature: { network: { incoming: { mode: 'steal', ports: [port] } } } }));
  return path;
}

/** Starts `kmirror-dap run ARGS` as a user would, with the program's port in $PORT. */
function run(args: string[], port: number): Run {
  const child = spawn(process.execPath, [dapBundle, 'run', ...args], { cwd: work, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onListening: () => void = () => {};
  const listening = new Promise<void>((resolve) => (onListening = resolve));
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('listening')) onListening(); });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); if (err.includes('listening')) onListening(); });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit, listening };
}

async function within<T>(promise: Promise<T>, ms: number, what: string, r: Run): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms\nstdout:\n${r.stdout()}\nstderr:\n${r.stderr()}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } catch (e) {
    if ((e as Error).message.includes('within')) throw e;
    throw new Error(`${what}: ${(e as Error).message}: ${String((e as Error).cause ?? '')}\nstdout:\n${r.stdout()}\nstderr:\n${r.stderr()}`);
  } finally {
    clearTimeout(timer);
  }
}

/** A request from the host to the target namespace's address: it only reaches the program through the steal. */
async function get(port: number, path: string): Promise<string> {
  const res = await fetch(`http://${ns.podIp}:${port}${path}`, { signal: AbortSignal.timeout(30_000) });
  return res.text();
}

/**
 * The first request: the program prints "listening" when its listen() returns, but the steal
 * subscription is completed by kmirror-dap shortly after (asynchronously), so until then the
 * target refuses the connection. Retry only that refusal, with a deadline.
 */
async function firstGet(port: number, path: string, deadlineMs = 20_000): Promise<string> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await get(port, path);
    } catch (e) {
      const refused = (e as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
      if (!refused || Date.now() > deadline) throw e;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const languages = [
  { name: 'go', command: () => ['./httpapp'], debugger: ['--debugger', 'go'], file: 'main.go', line: 15, expr: 'r.URL.Path', quoted: (s: string) => `"${s}"` },
  { name: 'python', command: () => ['python3', 'app.py'], debugger: [], file: 'app.py', line: 11, expr: 'self.path', quoted: (s: string) => `'${s}'` },
  { name: 'node', command: () => ['node', 'app.js'], debugger: [], file: 'app.js', line: 7, expr: 'req.url', quoted: (s: string) => `"${s}"` },
];

describe.each(languages)('kmirror-dap run with a $name program and target pid/N', (lang) => {
  it('--json: prints the path of each request arriving through the target and exits with the program code', { timeout: 150_000 }, async () => {
    const port = randomInt(20_000, 30_000);
    const token = randomBytes(4).toString('hex');
    const r = run(['--target', `pid/${targetPid}`, '--config', stealConfig(port), '--break', `${lang.file}:${lang.line}`, '--print', lang.expr,
      '--json', '--timeout', '120', ...lang.debugger, '--', ...lang.command()], port);
    try {
      await within(r.listening, 90_000, 'the program did not report listening', r);
      expect(await within(firstGet(port, `/hello/${token}`), 40_000, 'no answer to /hello', r)).toBe(`hi ${token}`);
      // The program exits while answering /quit: the answer may or may not make it back.
      await within(get(port, '/quit').catch(() => 'closed'), 40_000, 'no end to /quit', r);
      expect(await within(r.exit, 40_000, 'kmirror-dap run did not exit', r)).toBe(7);
      const lines = r.stdout().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toEqual([
        { event: 'hit', hit: 1, file: join(work, lang.file), line: lang.line, function: expect.any(String), values: { [lang.expr]: lang.quoted(`/hello/${token}`) } },
        { event: 'hit', hit: 2, file: join(work, lang.file), line: lang.line, function: expect.any(String), values: { [lang.expr]: lang.quoted('/quit') } },
        { event: 'end', reason: 'exited', exitCode: 7, programExitCode: 7, hits: 2 },
      ]);
    } finally {
      r.child.kill('SIGKILL');
    }
  });
});

describe('kmirror-dap run (text output, --count, --timeout, bad flags) with target pid/N', () => {
  it('text output and --count: stops the program after the first hit and exits 0', { timeout: 150_000 }, async () => {
    const port = randomInt(20_000, 30_000);
    const token = randomBytes(4).toString('hex');
    const r = run(['--target', `pid/${targetPid}`, '--config', stealConfig(port), '--break', 'app.py:11', '--when', `"${token}" in self.path`,
      '--print', 'self.path', '--count', '1', '--', 'python3', 'app.py'], port);
    try {
      await within(r.listening, 90_000, 'the program did not report listening', r);
      expect(await within(firstGet(port, '/hello/not-this-one'), 40_000, 'no answer to the unmatched request', r)).toBe('hi not-this-one');
      const matched = get(port, `/hello/${token}`).catch(() => 'reset'); // the program is stopped at the hit
      expect(await within(r.exit, 40_000, 'kmirror-dap run did not exit after --count 1', r)).toBe(0);
      await matched;
      expect(r.stdout()).toContain(`hit 1 at app.py:11 in do_GET\n  self.path = '/hello/${token}'\n`);
      expect(r.stdout()).not.toContain('not-this-one');
      expect(r.stderr()).toContain('stopped the program after 1 hit (--count)');
    } finally {
      r.child.kill('SIGKILL');
    }
  });

  it('--timeout: exits 124 when nothing arrives', { timeout: 150_000 }, async () => {
    const port = randomInt(20_000, 30_000);
    const r = run(['--target', `pid/${targetPid}`, '--config', stealConfig(port), '--break', 'app.js:7', '--print', 'req.url', '--timeout', '8',
      '--json', '--', 'node', 'app.js'], port);
    try {
      expect(await within(r.exit, 120_000, 'kmirror-dap run did not exit at --timeout', r)).toBe(124);
      expect(JSON.parse(r.stdout().trim())).toEqual({ event: 'end', reason: 'timeout', exitCode: 124, hits: 0 });
    } finally {
      r.child.kill('SIGKILL');
    }
  });

  it.each([
    [['--target', 'pid/1', '--break', 'app.py:11', '--print', 'x'], /missing program/],
    [['--target', 'pid/1', '--break', 'app.py', '--print', 'x', '--', 'python3', 'app.py'], /--break expects FILE:LINE/],
    [['--target', 'pid/1', '--break', 'app.py:11', '--print', 'x', '--count', 'zero', '--', 'python3', 'app.py'], /--count expects a whole number/],
    [['--target', 'pid/1', '--break', 'app.py:11', '--frobnicate', '--', 'python3', 'app.py'], /Unknown option '--frobnicate'/],
  ])('bad flags %j: exit 2 with a clear message', async (args, message) => {
    const r = run(args, 1);
    expect(await within(r.exit, 20_000, 'no exit', r)).toBe(2);
    expect(r.stderr()).toMatch(message);
    expect(r.stderr()).toContain('(see kmirror-dap run --help)');
  });

  it('an unknown target fails the launch with exit 1 and the reason', { timeout: 90_000 }, async () => {
    const r = run(['--target', 'pid/999999999', '--break', 'app.py:11', '--print', 'x', '--json', '--', 'python3', 'app.py'], randomInt(20_000, 30_000));
    expect(await within(r.exit, 80_000, 'no exit', r)).toBe(1);
    expect(JSON.parse(r.stdout().trim())).toMatchObject({ event: 'end', reason: 'error', exitCode: 1 });
    expect(r.stderr()).toMatch(/launch failed: .*999999999/);
  });
});
