// Helpers for shared-agent tests: `kmirror exec` sessions as separate processes (so one can be
// killed with -9), each running tagged-server.mjs under a config of its own, and a plain HTTP
// client that opens a new connection per request.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '#test/harness/free-port.js';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
const kmirrorJs = join(repoRoot, 'dist/kmirror.js');
const taggedServer = join(here, 'fixtures/tagged-server.mjs');

export interface ExecSession {
  tag: string;
  child: ChildProcess;
  /** The program's "got <path>" lines. */
  got: string[];
  stderr: string[];
  /** Resolves with the first stderr line matching. */
  waitStderr(pattern: RegExp, what: string): Promise<string>;
  kill(signal?: NodeJS.Signals): void;
}

const live = new Set<ExecSession>();
const dirs: string[] = [];

/** Starts `kmirror exec -v` on `target` with `incoming` as feature.network.incoming (port_mapping added). */
export async function startExecSession(target: string, tag: string, remotePort: number, incoming: Record<string, unknown>): Promise<ExecSession> {
  const localPort = await freePort('127.0.0.1');
  const dir = mkdtempSync(join(tmpdir(), 'kmirror-shared-'));
  dirs.push(dir);
  const config = join(dir, 'kmirror.json');
  writeFileSync(config, JSON.stringify({ feature: { network: { incoming: { port_mapping: [[localPort, remotePort]], ...incoming } } } }));
  const child = spawn(process.execPath, [kmirrorJs, 'exec', '-v', '--target', target, '-f', config, '--', process.execPath, taggedServer, String(localPort), tag], {
    stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: dir,
  });
  const got: string[] = [];
  const stderr: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (l: string) => void }>();
  createInterface({ input: child.stdout! }).on('line', (l) => { if (l.startsWith('got ')) got.push(l.slice(4)); });
  createInterface({ input: child.stderr! }).on('line', (l) => {
    stderr.push(l);
    for (const w of waiters) if (w.pattern.test(l)) { waiters.delete(w); w.resolve(l); }
  });
  const session: ExecSession = {
    tag, child, got, stderr,
    waitStderr(pattern, what) {
      const seen = stderr.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { pattern, resolve };
        waiters.add(w);
        child.once('exit', (code) => { if (waiters.delete(w)) reject(new Error(`${tag}: ${what}: kmirror exec exited (${code}) first:\n${stderr.join('\n')}`)); });
      });
    },
    kill(signal = 'SIGTERM') {
      try { process.kill(-child.pid!, signal); } catch { /* gone */ }
    },
  };
  live.add(session);
  child.once('exit', () => live.delete(session));
  return session;
}

/** Starts a session and waits until its subscription of `remotePort` is active. */
export async function startActiveSession(target: string, tag: string, remotePort: number, incoming: Record<string, unknown>): Promise<ExecSession> {
  const s = await startExecSession(target, tag, remotePort, incoming);
  await s.waitStderr(new RegExp(`of target port ${remotePort}/tcp → local port`), 'subscription');
  return s;
}

/** Ends every session still running, and waits for their exit. */
export async function stopAllSessions(): Promise<void> {
  const exits = [...live].map((s) => new Promise<void>((r) => { s.child.once('exit', () => r()); s.kill('SIGKILL'); }));
  await Promise.all(exits);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** One GET on a new connection, or on `agent`'s keep-alive connection; resolves with the body. */
export function get(host: string, port: number, path: string, headers: Record<string, string> = {}, agent: http.Agent | false = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, headers, agent, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve(body.trim()));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within 10 s`)));
    req.on('error', reject);
  });
}

/** pids of the shared local agents serving `key` (their command line names it). */
export function sharedAgentPids(key: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const at = argv.indexOf('--shared-key');
      if (at > 0 && argv[at + 1] === key) pids.push(Number(entry));
    } catch { /* gone */ }
  }
  return pids;
}
