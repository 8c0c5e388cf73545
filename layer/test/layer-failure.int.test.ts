// Failure behaviour of the layer: the local proxy killed mid-run, no proxy at all, a bad
// configuration. Remote connects must fail with ECONNREFUSED and one clear log line, nothing may
// hang, the program itself must keep running and exit normally.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLayerBinary } from '#runtime/session/layer-binary.js';
import { openWorkstationSession } from '#runtime/session/workstation-session.js';
import { buildTestApps, repoRoot, type TestApps } from './build-apps.js';
import { createLayerTarget, parseKv, runToEnd, type LayerTarget } from './target-fixture.js';

const kmirrorCli = join(repoRoot, 'dist/kmirror.js');
let target: LayerTarget;
let apps: TestApps;
let scratch: string;

beforeAll(async () => {
  if (!existsSync(kmirrorCli)) throw new Error(`${kmirrorCli} is missing: run scripts/build.sh first`);
  apps = buildTestApps();
  target = await createLayerTarget();
  scratch = mkdtempSync(join(tmpdir(), 'kmirror-layer-test-'));
});

afterAll(() => {
  target?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  const e = Object.fromEntries(Object.entries(process.env).filter((x): x is [string, string] => x[1] !== undefined));
  return { ...e, ...extra };
}

describe('layer failure behaviour', () => {
  it('proxy killed mid-run: the next remote connect fails with ECONNREFUSED, one log line, the program finishes', async () => {
    const trigger = join(scratch, 'go-on');
    const child = spawn(process.execPath, [kmirrorCli, 'exec', '--target', `pid/${target.pid}`, '--',
      apps.c, target.dnsName, String(target.httpPort), target.secretPath, target.envName, '--wait', trigger],
    { env: env(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const lines = createInterface({ input: child.stdout });
    const seen = (what: string, ms: number) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${what}" within ${ms} ms:\n${stdout}\n${stderr}`)), ms);
      const check = (l: string) => { if (l === what) { clearTimeout(timer); lines.off('line', check); resolve(); } };
      lines.on('line', check);
    });
    lines.on('line', (l) => { stdout += `${l}\n`; });
    try {
      await seen('waiting', 60_000);
      expect(parseKv(stdout).http).toContain(`peer=${target.podIp}`);
      const gone = new Promise((r) => child.once('exit', r));
      process.kill(child.pid!, 'SIGKILL');            // the kmirror process: agent session + local proxy
      await gone;                                     // reaped: its end of the layer's socket is closed
      writeFileSync(trigger, '');
      await seen('done', 20_000);
      const kv = parseKv(stdout);
      expect(kv['second.connect']).toBe('error:Connection refused');
      const lost = stderr.split('\n').filter((l) => l.includes('lost the kmirror local proxy'));
      expect(lost).toHaveLength(1);
    } finally {
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
    }
  });

  it('agent killed mid-run: the next remote connect fails with ECONNREFUSED, the session says so once', async () => {
    const messages: string[] = [];
    const session = await openWorkstationSession({
      config: { target: `pid/${target.pid}`, feature: { network: { incoming: 'off' } } },
      log: { log: (level, message) => { if (level === 'warn' || level === 'error') messages.push(message); } },
      cwd: repoRoot,
    });
    const trigger = join(scratch, 'agent-gone');
    const w = session.wrapCommand([apps.c, target.dnsName, String(target.httpPort), target.secretPath, target.envName, '--wait', trigger]);
    const child = spawn(w.command, w.args, { env: w.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const until = async (what: string, ms: number) => {
      const end = Date.now() + ms;
      while (!stdout.split('\n').includes(what)) {
        if (Date.now() > end) throw new Error(`no "${what}" within ${ms} ms:\n${stdout}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await until('waiting', 60_000);
      expect(parseKv(stdout).http).toContain(`peer=${target.podIp}`);
      const agentPid = session.status().agentPid;
      expect(agentPid).toBeGreaterThan(0);
      process.kill(agentPid!, 'SIGKILL');   // checked just above
      const end = Date.now() + 10_000;
      while (session.status().agent !== 'closed' && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      writeFileSync(trigger, '');
      await until('done', 20_000);
      expect(parseKv(stdout)['second.connect']).toBe('error:Connection refused');
      expect(messages.filter((m) => m.startsWith('lost the agent'))).toHaveLength(1);
    } finally {
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
      await session.close();
    }
  });

  it('no proxy: remote connects fail with ECONNREFUSED after one log line, local work continues', async () => {
    const r = await runToEnd({
      command: findLayerBinary(),
      args: ['--', apps.c, target.podIp, String(target.httpPort), '/etc/hostname', 'HOME'],
      env: env({ KMIRROR_LAYER_SOCKET: join(scratch, 'nobody-listens.sock') }),
    }, { timeoutMs: 20_000 });
    expect(r.timedOut).toBe(false);
    const kv = parseKv(r.stdout);
    expect(kv.connect).toBe('error:Connection refused');
    expect(kv.file).not.toMatch(/^error/);
    expect(kv.env).toBe(process.env.HOME);
    expect(r.stderr.split('\n').filter((l) => l.includes('cannot reach the kmirror local proxy'))).toHaveLength(1);
    expect(r.code).toBe(0);
  });

  it('a bad configuration is reported, naming the key, before the program starts', async () => {
    const config = join(scratch, 'bad.json');
    writeFileSync(config, JSON.stringify({ feature: { fs: { mode: 'readwrite' } } }));
    const marker = join(scratch, 'program-ran');
    const r = await runToEnd({ command: process.execPath, args: [kmirrorCli, 'exec', '--target', `pid/${target.pid}`, '-f', config, '--', 'touch', marker], env: env() }, { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('feature.fs.mode must be one of "local", "localwithoverrides", "read", "write", got "readwrite"');
    expect(existsSync(marker)).toBe(false);
  });

  it('needs no privilege: the filter installs for an unprivileged user (nobody, no capabilities)', async () => {
    const r = await runToEnd({
      command: 'setpriv',
      args: ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all',
        findLayerBinary(), '--', apps.c, target.podIp, String(target.httpPort), '/etc/hostname', 'KMIRROR_LAYER_SOCKET'],
      env: env({ KMIRROR_LAYER_SOCKET: join(scratch, 'nobody-listens.sock') }),
    }, { timeoutMs: 20_000 });
    expect(r.stderr).not.toContain('cannot install the seccomp filter');
    const kv = parseKv(r.stdout);
    expect(kv.connect).toBe('error:Connection refused');   // trapped: refused without a proxy, never dialled
    expect(kv.file).not.toMatch(/^error/);
    expect(kv.env).toBe('(unset)');                        // the launcher's variables do not reach the program
    expect(r.code).toBe(0);
  });

  it('the exit status of the program is the exit status of the wrapper', async () => {
    const r = await runToEnd({ command: findLayerBinary(), args: ['--', 'sh', '-c', 'exit 7'], env: env({ KMIRROR_LAYER_LOG: 'error' }) }, { timeoutMs: 10_000 });
    expect(r.code).toBe(7);
    const k = await runToEnd({ command: findLayerBinary(), args: ['--', 'sh', '-c', 'kill -TERM $$'], env: env() }, { timeoutMs: 10_000 });
    expect(k.signal).toBe('SIGTERM');
  });

  it('SIGTERM and a SIGINT sent to the wrapper reach the program', async () => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      const child = spawn(findLayerBinary(), ['--', 'python3', '-c', 'import signal, sys, time\nfor s in (signal.SIGTERM, signal.SIGINT): signal.signal(s, lambda n, f: (print("got", n, flush=True), sys.exit(3)))\nprint("ready", flush=True)\ntime.sleep(30)'],
        { env: env({ KMIRROR_LAYER_LOG: 'error' }), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('ready')) resolve(); }));
      child.kill(sig);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      expect(await exited).toBe(3);
      clearTimeout(timer);
      expect(out).toContain(`got ${sig === 'SIGTERM' ? 15 : 2}`);
    }
  });
});
