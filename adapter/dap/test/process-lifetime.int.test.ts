// Nothing outlives kmirror-dap: a real kmirror-dap (on stdio and on --port) launches a real
// program held at entry (Node under --inspect-brk through the Node bridge, Go through dlv, Python
// through debugpy; and with a pid target, the layer launcher and the local agent), then is ended
// by SIGTERM, SIGINT or SIGKILL. Every process it started must be gone: the programs are silent,
// so none dies of a broken stdout pipe on its own. A caught signal also ends kmirror-dap by that
// same signal.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DapPeer } from '#sdk/protocol/dap-peer.js';
import { createNetns, requireRoot, spawnSleepTarget, type TestNetns } from '#test/harness/netns.js';
import { bundleKmirrorDap } from './bundle.js';
import { buildFixtures, type Fixtures } from './harness.js';
import { descendants, killLeftovers, waitGone, type ProcessInfo } from './process-tree.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BUILT = {
  KMIRROR_REAPER_BIN: join(REPO, 'build/reaper/kmirror-reaper'),
  KMIRROR_LAYER_BIN: join(REPO, 'build/layer/kmirror-layer'),
  KMIRROR_AGENT_JS: join(REPO, 'dist/kmirror-agent.js'),
};
const GONE_WITHIN_MS = 20_000;

let fx: Fixtures;
let bundle: string;
const silent = { js: '', py: '', go: '' };
beforeAll(async () => {
  const missing = Object.values(BUILT).filter((p) => !existsSync(p));
  if (missing.length) throw new Error(`build first (bash scripts/build.sh): missing ${missing.join(', ')}`);
  fx = buildFixtures();
  bundle = await bundleKmirrorDap();
  // Programs that never write: they cannot die of a closed stdout once kmirror-dap is gone.
  const dir = join(fx.dir, 'silent');
  mkdirSync(join(dir, 'go'), { recursive: true });
  silent.js = join(dir, 'app.js');
  writeFileSync(silent.js, 'setInterval(() => {}, 1000);\n');
  silent.py = join(dir, 'app.py');
  writeFileSync(silent.py, 'import time\nwhile True:\n    time.sleep(1)\n');
  writeFileSync(join(dir, 'go/go.mod'), 'module silent\n\ngo 1.21\n');
  writeFileSync(join(dir, 'go/main.go'), 'package main\n\nimport "time"\n\nfunc main() {\n\tfor {\n\t\ttime.Sleep(time.Second)\n\t}\n}\n');
  silent.go = join(dir, 'go/app');
  execFileSync('go', ['build', '-gcflags=all=-N -l', '-o', silent.go, '.'], { cwd: join(dir, 'go'), stdio: 'pipe' });
}, 120_000);
afterAll(() => {
  fx?.cleanup();
  if (bundle) rmSync(dirname(bundle), { recursive: true, force: true });
});

/** A kmirror-dap process and a DAP client connected to it. */
class Adapter {
  private readonly events: DebugProtocol.Event[] = [];
  private readonly waiters: Array<() => void> = [];
  readonly peer: DapPeer;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly process: ChildProcess, input: Readable, output: Writable) {
    this.exited = new Promise((resolve) => process.once('exit', (code, signal) => resolve({ code, signal })));
    this.peer = new DapPeer(input, output, {
      request: (r) => this.peer.respond(r, { success: false, message: 'not supported by this test client' }),
      event: (e) => {
        this.events.push(e);
        for (const w of this.waiters.splice(0)) w();
      },
      malformed: () => {},
    });
  }

  static async start(mode: 'stdio' | 'port', env: Record<string, string>): Promise<Adapter> {
    const childEnv = { ...process.env, ...BUILT, ...env };
    if (mode === 'stdio') {
      const child = spawn(process.execPath, [bundle], { stdio: ['pipe', 'pipe', 'inherit'], env: childEnv });
      return new Adapter(child, child.stdout!, child.stdin!); // stdio: 'pipe' gives both streams
    }
    const child = spawn(process.execPath, [bundle, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'], env: childEnv });
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const port = Number(/listening on [\d.]+:(\d+)/.exec(line)?.[1]);
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new Adapter(child, socket, socket);
  }

  get pid(): number {
    return this.process.pid!; // spawned: the test fails earlier when it is not
  }

  async waitEvent(name: string, timeoutMs = 60_000): Promise<DebugProtocol.Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((e) => e.event === name);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${name} event within ${timeoutMs} ms (events: ${this.events.map((e) => e.event).join(', ')})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  /** initialize → launch (held at entry) → configurationDone → stopped. */
  async launchHeldAtEntry(launch: Record<string, unknown>): Promise<void> {
    await this.peer.request('initialize', { adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' }, 30_000);
    // debugpy answers launch only after configurationDone: do not wait for it here.
    const launched = this.peer.request('launch', { type: 'kmirror', request: 'launch', stopOnEntry: true, ...launch }, 90_000);
    launched.catch(() => {}); // its failure shows as a missing `stopped` below
    await this.waitEvent('initialized');
    await this.peer.request('configurationDone', {}, 30_000);
    const stopped = await this.waitEvent('stopped');
    expect(stopped.body).toMatchObject({ reason: 'entry' });
  }
}

let leftovers: number[] = [];
afterEach(() => {
  killLeftovers(leftovers);
  leftovers = [];
});

/** Ends kmirror-dap with `signal` and checks that it, and everything it started, is gone. */
async function endAndCheck(adapter: Adapter, signal: NodeJS.Signals, started: ProcessInfo[]): Promise<void> {
  leftovers = [adapter.pid, ...started.map((p) => p.pid)];
  process.kill(adapter.pid, signal);
  const exit = await adapter.exited;
  // A caught signal ends kmirror-dap by that same signal, after its sessions stopped their processes.
  expect(exit.signal).toBe(signal);
  const alive = await waitGone(started.map((p) => p.pid), GONE_WITHIN_MS);
  expect(alive.map((p) => p.cmdline)).toEqual([]);
}

const programs = [
  { name: 'node --inspect-brk (Node bridge)', launch: () => ({ program: silent.js }), debugger: null },
  { name: 'go (dlv)', launch: () => ({ program: silent.go }), debugger: /\bdlv dap\b/ },
  { name: 'python (debugpy)', launch: () => ({ program: silent.py }), debugger: /debugpy\.adapter/ },
];
const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGKILL'];
const modes = ['stdio', 'port'] as const;
const matrix = modes.flatMap((mode) => programs.flatMap((program) => signals.map((signal) => ({ mode, signal, ...program }))));

describe('kmirror-dap ends what it started', () => {
  it.each(matrix)('$mode, $name, $signal', { timeout: 120_000 }, async (c) => {
    const adapter = await Adapter.start(c.mode, {});
    leftovers = [adapter.pid];
    const launch = c.launch();
    await adapter.launchHeldAtEntry(launch);
    const started = descendants(adapter.pid);
    expect(started.some((p) => p.cmdline.includes(launch.program))).toBe(true);
    if (c.debugger) expect(started.some((p) => c.debugger.test(p.cmdline))).toBe(true);
    await endAndCheck(adapter, c.signal, started);
  });
});

describe('kmirror-dap with a pid target ends the layer launcher and the local agent too', () => {
  let ns: TestNetns | undefined;
  let targetPid = 0;
  beforeAll(async () => {
    requireRoot();
    ns = createNetns();
    targetPid = await spawnSleepTarget(ns, {});
  });
  afterAll(() => ns?.cleanup());

  it.each(['SIGTERM', 'SIGKILL'] as const)('stdio, go (dlv), %s', { timeout: 120_000 }, async (signal) => {
    const adapter = await Adapter.start('stdio', {});
    leftovers = [adapter.pid];
    await adapter.launchHeldAtEntry({ program: silent.go, target: `pid/${targetPid}`, targetTimeoutMs: 30_000 });
    const started = descendants(adapter.pid);
    for (const part of [/kmirror-layer/, /kmirror-agent\.js/, /\bdlv dap\b/]) expect(started.some((p) => part.test(p.cmdline))).toBe(true);
    await endAndCheck(adapter, signal, started);
  });
});
