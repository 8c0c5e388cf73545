// Starts an agent for a local target as a child process (dist/kmirror-agent.js, or the source
// entry under a TypeScript loader when no bundle is built) and waits for its ready line.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TunnelError } from '#proto/runtime/errors.js';
import { OWNED_SPAWN_OPTIONS, ownProcess } from '../process/owned-processes.js';

export interface LocalAgent {
  url: string;
  token: string;
  pid: number;
  /** Sends SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
  stop(): Promise<void>;
}

export interface StartLocalAgentOptions {
  target: string;
  timeoutMs?: number;
  /** Path of the agent bundle (default: dist/kmirror-agent.js found upward from this module, or KMIRROR_AGENT_JS). */
  agentJs?: string;
  /** Receives the agent's JSON log lines (stderr). */
  onLog?: (line: string) => void;
  extraArgs?: string[];
}

/** Finds dist/kmirror-agent.js beside this bundle or upward from this source file. */
export function findAgentBundle(): string {
  if (process.env.KMIRROR_AGENT_JS) return process.env.KMIRROR_AGENT_JS;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    for (const p of [join(dir, 'kmirror-agent.js'), join(dir, 'dist/kmirror-agent.js')]) if (existsSync(p)) return p;
    if (dirname(dir) === dir) break;
  }
  throw new TunnelError('NOT_FOUND', 'kmirror-agent.js not found: run scripts/build.sh (or set KMIRROR_AGENT_JS)');
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => { clearTimeout(timer); resolve(true); });
  });
}

export async function startLocalAgent(opts: StartLocalAgentOptions): Promise<LocalAgent> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const token = randomBytes(24).toString('base64url');
  const agentJs = opts.agentJs ?? findAgentBundle();
  // KMIRROR_BENCH_PROFILE=DIR (benchmarks): the agent writes a V8 CPU profile there when it exits.
  const profile = process.env.KMIRROR_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.KMIRROR_BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, agentJs, '--target', opts.target, '--listen', '127.0.0.1:0', '--only-same-user', ...(opts.extraArgs ?? [])], {
    env: { ...process.env, KMIRROR_AGENT_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...OWNED_SPAWN_OPTIONS,
  });
  // Owned: the agent ends with this process however it ends (killed, crashed), not only on stop().
  ownProcess(child);
  const stderrTail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    opts.onLog?.(line);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (!(await waitExit(child, 3000))) {
      child.kill('SIGKILL');
      await waitExit(child, 3000);
    }
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TunnelError('TIMED_OUT', `agent for ${opts.target} printed no ready line within ${timeoutMs} ms`)), timeoutMs);
      createInterface({ input: child.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        try {
          const ready = JSON.parse(line) as { event?: string; port?: number };
          if (ready.event !== 'ready' || typeof ready.port !== 'number') throw new Error('not a ready line');
          resolve(ready.port);
        } catch {
          reject(new TunnelError('INTERNAL', `agent for ${opts.target} printed an unexpected first line: ${line.slice(0, 200)}`));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const why = stderrTail.map((l) => { try { return (JSON.parse(l) as { err?: string; msg?: string }).err ?? l; } catch { return l; } }).join('\n');
        reject(new TunnelError('UNAVAILABLE', `agent for ${opts.target} exited (${code ?? signal}) before it was ready${why ? `: ${why}` : ''}`));
      });
    });
    return { url: `ws://127.0.0.1:${port}/kmirror/v1`, token, pid: child.pid!, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
